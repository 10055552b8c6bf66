import { badRequest, ScimError } from "./errors.ts";
import { isObject } from "./json.ts";
import { MAX_BULK_OPERATIONS } from "./limits.ts";

// RFC 7644 §3.7 Bulk: parsing the request and resolving bulkId references. Execution lives in the
// route, which sends each operation through the tenant's writer like any single request.

export const BULK_REQUEST = "urn:ietf:params:scim:api:messages:2.0:BulkRequest";
export const BULK_RESPONSE = "urn:ietf:params:scim:api:messages:2.0:BulkResponse";

export type BulkMethod = "POST" | "PUT" | "PATCH" | "DELETE";

export interface BulkOperation {
  method: BulkMethod;
  path: string;
  bulkId?: string;
  version?: string;
  data?: unknown;
}

export interface BulkRequest {
  failOnErrors?: number;
  operations: BulkOperation[];
}

const METHODS = new Set(["POST", "PUT", "PATCH", "DELETE"]);
const key = (object: Record<string, unknown>, name: string) =>
  Object.entries(object).find(([k]) => k.toLowerCase() === name.toLowerCase())?.[1];

export function parseBulkRequest(body: unknown): BulkRequest {
  if (!isObject(body)) throw badRequest("invalidSyntax", "the BulkRequest body must be a JSON object");
  const schemas = key(body, "schemas");
  if (!Array.isArray(schemas) || !schemas.some((s) => typeof s === "string" && s.toLowerCase() === BULK_REQUEST.toLowerCase())) {
    throw badRequest("invalidSyntax", `'schemas' must contain "${BULK_REQUEST}"`);
  }
  const operations = key(body, "Operations");
  if (!Array.isArray(operations) || operations.length === 0) {
    throw badRequest("invalidSyntax", "'Operations' must be an array of one or more operations");
  }
  // RFC 7644 §3.7.4: more operations than maxOperations is a 413.
  if (operations.length > MAX_BULK_OPERATIONS) {
    throw new ScimError(413, `at most ${MAX_BULK_OPERATIONS} operations per bulk request, got ${operations.length}`);
  }
  const failOnErrors = key(body, "failOnErrors");
  if (failOnErrors !== undefined && (!Number.isInteger(failOnErrors) || (failOnErrors as number) < 1)) {
    throw badRequest("invalidValue", "failOnErrors must be a positive integer");
  }
  const seen = new Set<string>();
  return {
    failOnErrors: failOnErrors as number | undefined,
    operations: operations.map((raw, i) => {
      const where = `Operations[${i}]`;
      if (!isObject(raw)) throw badRequest("invalidSyntax", `${where} must be an object`);
      const method = String(key(raw, "method") ?? "").toUpperCase();
      if (!METHODS.has(method)) throw badRequest("invalidSyntax", `${where}: method must be POST, PUT, PATCH or DELETE`);
      const path = key(raw, "path");
      if (typeof path !== "string" || !path.startsWith("/")) throw badRequest("invalidSyntax", `${where}: path must start with /`);
      const bulkId = key(raw, "bulkId");
      if (method === "POST" && (typeof bulkId !== "string" || bulkId === "")) {
        throw badRequest("invalidSyntax", `${where}: a POST needs a bulkId`);
      }
      if (typeof bulkId === "string") {
        if (seen.has(bulkId)) throw badRequest("invalidSyntax", `${where}: bulkId '${bulkId}' is used twice`);
        seen.add(bulkId);
      }
      const version = key(raw, "version");
      const data = key(raw, "data");
      if (method !== "DELETE" && data === undefined) throw badRequest("invalidSyntax", `${where}: ${method} needs data`);
      return {
        method: method as BulkMethod,
        path,
        ...(typeof bulkId === "string" ? { bulkId } : {}),
        ...(typeof version === "string" ? { version } : {}),
        ...(data !== undefined ? { data } : {}),
      };
    }),
  };
}

const REFERENCE = /^bulkId:(.+)$/;

/** The bulkIds an operation refers to, in its path or anywhere in its data (RFC 7644 §3.7.2). */
export function referencedBulkIds(operation: BulkOperation): string[] {
  const found = new Set<string>();
  const visit = (value: unknown) => {
    if (typeof value === "string") {
      const match = REFERENCE.exec(value);
      if (match) found.add(match[1]);
    } else if (Array.isArray(value)) value.forEach(visit);
    else if (isObject(value)) Object.values(value).forEach(visit);
  };
  for (const segment of operation.path.split("/")) visit(segment);
  visit(operation.data);
  return [...found];
}

/** Replaces "bulkId:x" with the id created for x, in the path and data. */
export function resolveBulkIds(operation: BulkOperation, ids: Map<string, string>): BulkOperation {
  const swap = (value: unknown): unknown => {
    if (typeof value === "string") {
      const match = REFERENCE.exec(value);
      return match && ids.has(match[1]) ? ids.get(match[1]) : value;
    }
    if (Array.isArray(value)) return value.map(swap);
    if (isObject(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, swap(v)]));
    return value;
  };
  return {
    ...operation,
    path: operation.path
      .split("/")
      .map((s) => swap(s) as string)
      .join("/"),
    ...(operation.data !== undefined ? { data: swap(operation.data) } : {}),
  };
}

export interface BulkResult {
  method: BulkMethod;
  bulkId?: string;
  location?: string;
  version?: string;
  status: string;
  response?: unknown;
}

export interface Applied {
  id?: string;
  location?: string;
  version?: string;
  status: number;
}

/**
 * Runs the operations in request order, except that an operation referring to a bulkId first runs
 * the POST that defines it (RFC 7644 §3.7.2). A reference to an undefined, failed or circular bulkId
 * is a 409 for the referring operation. Processing stops once failOnErrors operations have failed.
 */
export async function executeBulk(
  request: BulkRequest,
  apply: (operation: BulkOperation) => Promise<Applied>,
  errorResponse: (error: ScimError) => unknown,
): Promise<BulkResult[]> {
  const { operations, failOnErrors } = request;
  const definedAt = new Map<string, number>();
  for (const [i, op] of operations.entries()) {
    if (op.method === "POST" && op.bulkId) definedAt.set(op.bulkId, i);
  }
  const ids = new Map<string, string>();
  const results = new Map<number, BulkResult>();
  const running = new Set<number>();
  let errors = 0;
  const stopped = () => failOnErrors !== undefined && errors >= failOnErrors;

  async function run(index: number): Promise<void> {
    if (results.has(index) || stopped()) return;
    const op = operations[index];
    running.add(index);
    let result: BulkResult;
    try {
      for (const ref of referencedBulkIds(op)) {
        const at = definedAt.get(ref);
        if (at === undefined) throw new ScimError(409, `bulkId '${ref}' is not defined in this request`, undefined);
        if (running.has(at)) throw new ScimError(409, `bulkId '${ref}' is part of a circular reference`, undefined);
        await run(at);
        if (!ids.has(ref)) throw new ScimError(409, `bulkId '${ref}' could not be created`, undefined);
      }
      const applied = await apply(resolveBulkIds(op, ids));
      if (op.bulkId && applied.id) ids.set(op.bulkId, applied.id);
      result = {
        method: op.method,
        ...(op.bulkId ? { bulkId: op.bulkId } : {}),
        ...(applied.location ? { location: applied.location } : {}),
        ...(applied.version ? { version: applied.version } : {}),
        status: String(applied.status),
      };
    } catch (error) {
      if (!(error instanceof ScimError)) throw error;
      errors++;
      result = {
        method: op.method,
        ...(op.bulkId ? { bulkId: op.bulkId } : {}),
        status: String(error.status),
        response: errorResponse(error),
      };
    }
    running.delete(index);
    results.set(index, result);
  }

  for (let i = 0; i < operations.length && !stopped(); i++) await run(i);
  return [...results.keys()].sort((a, b) => a - b).map((i) => results.get(i) as BulkResult);
}
