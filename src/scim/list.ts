import { badRequest } from "./errors.ts";
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from "./limits.ts";

export const LIST_RESPONSE = "urn:ietf:params:scim:api:messages:2.0:ListResponse";

export interface Paging {
  startIndex: number;
  count: number;
}

// Past any tenant's size, so clamping there changes no answer; and a safe integer, so it reaches
// SQL's OFFSET exactly (D1 refuses 1e20 there as a datatype mismatch).
const MAX_INDEX = BigInt(Number.MAX_SAFE_INTEGER);

/** Any number of digits, clamped to a safe integer (the page past the end is empty, not an error). */
function integerParam(name: string, value: string | undefined): number | undefined {
  if (value === undefined || value === "") return undefined;
  if (!/^-?\d+$/.test(value.trim())) throw badRequest("invalidValue", `${name} must be an integer`);
  const parsed = BigInt(value.trim());
  return Number(parsed > MAX_INDEX ? MAX_INDEX : parsed < -MAX_INDEX ? -MAX_INDEX : parsed);
}

/** RFC 7644 §3.4.2.4: startIndex below 1 means 1, count below 0 means 0, count above the maximum is capped. */
export function parsePaging(startIndex?: string, count?: string): Paging {
  const start = integerParam("startIndex", startIndex) ?? 1;
  const size = integerParam("count", count) ?? DEFAULT_PAGE_SIZE;
  return { startIndex: Math.max(1, start), count: Math.min(Math.max(0, size), MAX_PAGE_SIZE) };
}

export function listResponse(total: number, paging: Paging, resources: unknown[]) {
  return {
    schemas: [LIST_RESPONSE],
    totalResults: total,
    startIndex: paging.startIndex,
    itemsPerPage: resources.length,
    Resources: resources,
  };
}
