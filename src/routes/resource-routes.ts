import type { Placeholder, SQL } from "drizzle-orm";
import { type Context, Hono } from "hono";
import { database, type Database, type ListQuery, TENANT } from "../db/client.ts";
import { writesFor } from "../durable/client.ts";
import { etagMatches } from "../domain/precondition.ts";
import type { AppEnv } from "../env.ts";
import { readJson } from "../http/body.ts";
import { type ListParams, listParamsFromQuery, listParamsFromSearch, prepareList, projectionOf } from "../http/query.ts";
import { scimBase, scimJson } from "../http/respond.ts";
import { streamJson } from "../http/stream.ts";
import { notFound, ScimError } from "../scim/errors.ts";
import type { StorageMap } from "../scim/filter/compile.ts";
import { type Projection, returnedSubAttributes } from "../scim/projection.ts";
import { listResponse, type Paging } from "../scim/list.ts";
import { firstMembersOf, listJson, type ResourceBody, resourceJson, streamsMembers } from "../scim/resource-json.ts";
import type { ResourceTypeDef } from "../scim/schema/resource-type.ts";
import { etagOf, type StoredResource } from "../scim/serialize.ts";
import type { TenantConfig } from "../tenancy/config.ts";
import type { TenantTypes } from "../tenancy/resource-types.ts";
import { memberSource } from "./render.ts";
import { writeLogOf } from "../middleware/provisioning-log.ts";

// The routes every resource type has (RFC 7644 §3.2-3.6), from a description of where it is stored
// and how it renders. Handlers stay thin: parse, one domain call, render.

export interface ResourceStore {
  /** The built-in type: its id and endpoint. A request's own type (with the tenant's extensions) is `typeOf(c, store)`. */
  type: ResourceTypeDef;
  /** Where its attributes are stored; `tenant` is the tenant, or the TENANT placeholder of a list statement. */
  storage(tenant: string | Placeholder, type: ResourceTypeDef): StorageMap;
  /** Whether the tenant provisions this resource type at all. */
  enabled(config: TenantConfig): boolean;
  /** The id column: the tie-breaker of every sort. */
  id: SQL;
  /** `withRelations`: whether the response shows what is read from other tables (a user's groups). */
  list(db: Database, tenant: string, query: ListQuery, withRelations: boolean): Promise<{ total: number; resources: StoredResource[] }>;
  /** The computed attribute read from other tables, if any (a user's groups), for projection checks. */
  relation?: string;
  find(db: Database, tenant: string, id: string): Promise<StoredResource | undefined>;
  bodies(c: Context<AppEnv>, list: StoredResource[], projection: Projection): ResourceBody[];
  /**
   * RFC 7644 §3.5.2 lets PATCH answer 204. Groups do, unless attributes are asked for: re-reading a
   * 100,000-member group after each member change would make its cost grow with the group.
   */
  patchAnswersNoContent: boolean;
}

/** The tenant's own version of the store's type, with its extensions. */
export const typeOf = (c: Context<AppEnv>, store: ResourceStore) => c.var.types[store.type.id as keyof TenantTypes];

/** Writes of the store's type for this request's tenant, or 403 when the tenant has switched the type off. */
export function writesOf(c: Context<AppEnv>, store: ResourceStore) {
  assertEnabled(c, store);
  const type = typeOf(c, store);
  if (type.id !== "User") return writesFor(type, c.env, c.var.tenant, c.var.config);
  // The status each write answers when it succeeds, for the row a user write records (migrations/0015).
  const answers = { create: 201, replace: 200, patch: patchAnswer(c, store) };
  return writesFor(type, c.env, c.var.tenant, c.var.config, (op) => writeLogOf(c, answers[op]));
}

/** 204 when the store's PATCH answers no content and no attributes are asked for, else 200 with the resource. */
function patchAnswer(c: Context<AppEnv>, store: ResourceStore) {
  const asked = c.req.query("attributes") || c.req.query("excludedAttributes");
  return store.patchAnswersNoContent && !asked ? 204 : 200;
}

export function assertEnabled(c: Context<AppEnv>, store: ResourceStore) {
  if (!store.enabled(c.var.config)) {
    throw new ScimError(
      403,
      `${store.type.name} provisioning is disabled for this tenant: turn it off in the app's provisioning settings, or ask the service operator to enable it`,
    );
  }
}

/** Whether a list must read the store's relation (Entra's matches with excludedAttributes need not). */
export function wantsRelation(c: Context<AppEnv>, store: ResourceStore, projection: Projection): boolean {
  return store.relation !== undefined && returnedSubAttributes(projection, typeOf(c, store), store.relation, ["value"]) !== undefined;
}

export async function listResponseOf(c: Context<AppEnv>, store: ResourceStore, params: ListParams) {
  const { paging, query, projection } = prepareList(params, store.storage(TENANT, typeOf(c, store)), store.id);
  const { total, resources } = await store.list(database(c.env.DB), c.var.tenant, query, wantsRelation(c, store, projection));
  return respondList(c, total, paging, store.bodies(c, resources, projection));
}

/**
 * A ListResponse: streamed when groups' members are in it, else one JSON text. The groups' first
 * members are read before the answer starts, so a failing read is still an error response.
 */
export async function respondList(c: Context<AppEnv>, total: number, paging: Paging, bodies: ResourceBody[]) {
  if (!streamsMembers(bodies))
    return scimJson(
      c,
      listResponse(
        total,
        paging,
        bodies.map((b) => b.resource),
      ),
    );
  const source = memberSource(c);
  return streamJson(c, listJson(total, paging, bodies, await firstMembersOf(bodies, source), source, scimBase(c)));
}

export function resourceRoutes(store: ResourceStore) {
  const routes = new Hono<AppEnv>();
  routes.use("*", async (c, next) => {
    assertEnabled(c, store);
    await next();
  });
  const writes = (c: Context<AppEnv>) => writesOf(c, store);
  const ifMatch = (c: Context<AppEnv>) => c.req.header("If-Match");

  async function render(c: Context<AppEnv>, resource: StoredResource, status = 200, headers: Record<string, string> = {}) {
    const [body] = store.bodies(c, [resource], projectionOf(c));
    const allHeaders = { ETag: etagOf(resource.version), ...headers };
    if (!streamsMembers([body])) return scimJson(c, body.resource, status, allHeaders);
    return streamJson(c, resourceJson(body, memberSource(c), scimBase(c)), status, allHeaders);
  }

  routes.get("/", (c) => listResponseOf(c, store, listParamsFromQuery(c)));

  routes.post("/.search", async (c) => listResponseOf(c, store, listParamsFromSearch(await readJson(c))));

  routes.post("/", async (c) => {
    const created = await writes(c).create(await readJson(c));
    return render(c, created, 201, { Location: `${scimBase(c)}${store.type.endpoint}/${created.id}` });
  });

  routes.get("/:id", async (c) => {
    const resource = await store.find(database(c.env.DB), c.var.tenant, c.req.param("id"));
    if (!resource) throw notFound(`${store.type.name} ${c.req.param("id")}`);
    // RFC 7644 §3.14: a client holding the current version gets 304 and no body.
    const ifNoneMatch = c.req.header("If-None-Match");
    if (ifNoneMatch && etagMatches(ifNoneMatch, resource.version)) {
      return c.body(null, 304, { ETag: etagOf(resource.version) });
    }
    return render(c, resource);
  });

  routes.put("/:id", async (c) => render(c, await writes(c).replace(c.req.param("id"), await readJson(c), ifMatch(c))));

  routes.patch("/:id", async (c) => {
    const patched = await writes(c).patch(c.req.param("id"), await readJson(c), ifMatch(c));
    if (patchAnswer(c, store) === 204) return c.body(null, 204, { ETag: etagOf(patched.version) });
    return render(c, patched);
  });

  routes.delete("/:id", async (c) => {
    await writes(c).remove(c.req.param("id"), ifMatch(c));
    return c.body(null, 204);
  });

  return routes;
}
