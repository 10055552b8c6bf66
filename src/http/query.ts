import type { Context } from "hono";
import { type SQL, sql } from "drizzle-orm";
import type { ListQuery } from "../db/client.ts";
import { memoized } from "../lib/memo.ts";
import { badRequest } from "../scim/errors.ts";
import { type Binder, compileFilter, compileSort, filterShape, type SortOrder, type StorageMap } from "../scim/filter/compile.ts";
import { parseFilter } from "../scim/filter/parse.ts";
import { isObject } from "../scim/json.ts";
import { parsePaging, type Paging } from "../scim/list.ts";
import { parseProjection, type Projection } from "../scim/projection.ts";
import type { ResourceTypeDef } from "../scim/schema/resource-type.ts";

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
    else if (typeof value === "string") params[name] = value;
    // Written out in digits: String(1e21) is "1e+21", which is no integer to parsePaging.
    else if (typeof value === "number") params[name] = Number.isInteger(value) ? BigInt(value).toString() : String(value);
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
  query: ListQuery;
  projection: Projection;
}

// A tenant's extensions can change what a filter compiles to (a caseExact attribute): each resource
// type object (tenancy/resource-types.ts keeps one per extension set) has shapes of its own.
let typesSeen = 0;
const typeId = memoized((_type: ResourceTypeDef) => ++typesSeen);

/**
 * Compiles a list request for one resource type's storage; `id` is its id column, the tie-breaker.
 * `storage` names the tenant by the TENANT placeholder and the filter's literals become
 * placeholders too: requests of the same shape share one prepared statement (db/prepared.ts).
 */
export function prepareList(params: ListParams, storage: StorageMap, id: SQL): PreparedList {
  const paging = parsePaging(params.startIndex, params.count);
  const sortOrder = sortOrderOf(params.sortOrder);
  const filter = params.filter ? parseFilter(params.filter) : undefined;
  const values: Record<string, unknown> = {};
  let literals = 0;
  const bind: Binder = (value) => {
    const name = `p${literals++}`;
    values[name] = value;
    return sql.placeholder(name);
  };
  return {
    paging,
    query: {
      where: filter && compileFilter(filter, storage, bind),
      order: params.sortBy ? compileSort(params.sortBy, sortOrder, storage, id) : undefined,
      shape: JSON.stringify([typeId(storage.type), filter ? filterShape(filter) : null, params.sortBy ?? null, sortOrder]),
      values,
      offset: paging.startIndex - 1,
      limit: paging.count,
    },
    projection: parseProjection(params.attributes, params.excludedAttributes),
  };
}

export const projectionOf = (c: Context) => parseProjection(c.req.query("attributes"), c.req.query("excludedAttributes"));
