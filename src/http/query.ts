import type { Context } from "hono";
import { type SQL } from "drizzle-orm";
import { badRequest } from "../scim/errors.ts";
import { compileFilter, compileSort, type SortOrder, type StorageMap } from "../scim/filter/compile.ts";
import { parseFilter } from "../scim/filter/parse.ts";
import { isObject } from "../scim/json.ts";
import { parsePaging, type Paging } from "../scim/list.ts";
import { parseProjection, type Projection } from "../scim/projection.ts";

// A list request's parameters come from the query string (GET) or a SearchRequest body
// (POST .search, RFC 7644 §3.4.3); both end up here, as strings, and are compiled the same way.

export interface ListParams {
  filter?: string;
  sortBy?: string;
  sortOrder?: string;
  startIndex?: string;
  count?: string;
  attributes?: string;
  excludedAttributes?: string;
}

const NAMES = ["filter", "sortBy", "sortOrder", "startIndex", "count", "attributes", "excludedAttributes"] as const;

export function listParamsFromQuery(c: Context): ListParams {
  return Object.fromEntries(NAMES.map((name) => [name, c.req.query(name)]).filter(([, v]) => v !== undefined));
}

const SEARCH_REQUEST = "urn:ietf:params:scim:api:messages:2.0:SearchRequest";

/** RFC 7644 §3.4.3: attributes lists arrive as JSON arrays, numbers as numbers. */
export function listParamsFromSearch(body: unknown): ListParams {
  if (!isObject(body)) throw badRequest("invalidSyntax", "the SearchRequest body must be a JSON object");
  const schemas = body.schemas;
  if (Array.isArray(schemas) && !schemas.some((s) => typeof s === "string" && s.toLowerCase() === SEARCH_REQUEST.toLowerCase())) {
    throw badRequest("invalidSyntax", `'schemas' must contain "${SEARCH_REQUEST}"`);
  }
  const params: ListParams = {};
  for (const [key, value] of Object.entries(body)) {
    const name = NAMES.find((n) => n.toLowerCase() === key.toLowerCase());
    if (!name || value === null || value === undefined) continue;
    if (Array.isArray(value) && value.every((v) => typeof v === "string")) params[name] = value.join(",");
    else if (typeof value === "string" || typeof value === "number") params[name] = String(value);
    else throw badRequest("invalidValue", `${name} has the wrong type`);
  }
  return params;
}

function sortOrderOf(value: string | undefined): SortOrder {
  if (value === undefined || value === "") return "ascending";
  const order = value.toLowerCase();
  if (order !== "ascending" && order !== "descending") throw badRequest("invalidValue", "sortOrder must be ascending or descending");
  return order;
}

export interface PreparedList {
  paging: Paging;
  page: { offset: number; limit: number; order?: SQL };
  where?: SQL;
  projection: Projection;
}

/** Compiles a list request for one resource type's storage; `id` is its id column, the tie-breaker. */
export function prepareList(params: ListParams, storage: StorageMap, id: SQL): PreparedList {
  const paging = parsePaging(params.startIndex, params.count);
  const order = params.sortBy ? compileSort(params.sortBy, sortOrderOf(params.sortOrder), storage, id) : undefined;
  if (!params.sortBy) sortOrderOf(params.sortOrder);
  return {
    paging,
    page: { offset: paging.startIndex - 1, limit: paging.count, order },
    where: params.filter ? compileFilter(parseFilter(params.filter), storage) : undefined,
    projection: parseProjection(params.attributes, params.excludedAttributes),
  };
}

export const projectionOf = (c: Context) => parseProjection(c.req.query("attributes"), c.req.query("excludedAttributes"));
