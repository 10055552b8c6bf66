import { type Context, Hono } from "hono";
import { database, TENANT } from "../db/client.ts";
import type { AppEnv } from "../env.ts";
import { readJson } from "../http/body.ts";
import { type ListParams, listParamsFromSearch, type PreparedList, prepareList } from "../http/query.ts";
import { ScimError } from "../scim/errors.ts";
import type { ResourceBody } from "../scim/resource-json.ts";
import { type ResourceStore, respondList, typeOf, wantsRelation } from "./resource-routes.ts";

/**
 * POST /.search (RFC 7644 §3.4.3) across every resource type: each type's results in turn, Users
 * then Groups, each sorted by sortBy if given. A filter naming an attribute one type lacks matches
 * nothing of that type; one no type understands is an error.
 */
export function rootSearch(stores: ResourceStore[]) {
  const routes = new Hono<AppEnv>();

  routes.post("/", async (c) => {
    const params = listParamsFromSearch(await readJson(c));
    const prepared = prepareEach(
      stores.filter((s) => s.enabled(c.var.config)),
      params,
      c,
    );
    const db = database(c.env.DB);
    const first = prepared.find((p) => p.list)?.list as PreparedList;
    let offset = first.query.offset;
    let remaining = first.query.limit;
    let total = 0;
    const bodies: ResourceBody[] = [];
    for (const { store, list } of prepared) {
      if (!list) continue;
      const { total: count, resources } = await store.list(
        db,
        c.var.tenant,
        { ...list.query, offset, limit: remaining },
        wantsRelation(c, store, list.projection),
      );
      total += count;
      offset = Math.max(0, offset - count);
      remaining -= resources.length;
      bodies.push(...store.bodies(c, resources, list.projection));
    }
    return respondList(c, total, first.paging, bodies);
  });

  return routes;
}

function prepareEach(stores: ResourceStore[], params: ListParams, c: Context<AppEnv>) {
  let firstError: ScimError | undefined;
  const prepared = stores.map((store) => {
    try {
      return { store, list: prepareList(params, store.storage(TENANT, typeOf(c, store)), store.id) };
    } catch (error) {
      if (!(error instanceof ScimError)) throw error;
      firstError ??= error;
      return { store, list: undefined };
    }
  });
  if (prepared.every((p) => !p.list)) throw firstError;
  return prepared;
}
