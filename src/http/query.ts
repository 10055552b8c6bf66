import type { Context } from "hono";
import { compileFilter, type StorageMap } from "../scim/filter/compile.ts";
import { parseFilter } from "../scim/filter/parse.ts";
import { parsePaging } from "../scim/list.ts";
import { parseProjection } from "../scim/projection.ts";

/** The query parameters of a list request (RFC 7644 §3.4.2), with the filter compiled for `storage`. */
export function listQuery(c: Context, storage: StorageMap) {
  const paging = parsePaging(c.req.query("startIndex"), c.req.query("count"));
  const filter = c.req.query("filter");
  return {
    paging,
    page: { offset: paging.startIndex - 1, limit: paging.count },
    where: filter ? compileFilter(parseFilter(filter), storage) : undefined,
    projection: projectionOf(c),
  };
}

export const projectionOf = (c: Context) => parseProjection(c.req.query("attributes"), c.req.query("excludedAttributes"));
