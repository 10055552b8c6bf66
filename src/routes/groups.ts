import { type Context, Hono } from "hono";
import { database } from "../db/client.ts";
import { findGroup, groupStorage, listGroups, memberPage } from "../db/groups.ts";
import { writerFor } from "../durable/client.ts";
import { unwrap } from "../durable/result.ts";
import type { AppEnv } from "../env.ts";
import { readJson } from "../http/body.ts";
import { listQuery, projectionOf } from "../http/query.ts";
import { scimBase } from "../http/respond.ts";
import { streamJson } from "../http/stream.ts";
import { notFound } from "../scim/errors.ts";
import { type GroupBody, groupJson, groupListJson, MEMBER_SUB_ATTRIBUTES } from "../scim/group-json.ts";
import { normalisePatchRequest } from "../scim/patch/normalise.ts";
import { type Projection, project, returnedSubAttributes } from "../scim/projection.ts";
import { groupResourceType } from "../scim/schema/resource-type.ts";
import { etagOf, type StoredResource, toScim } from "../scim/serialize.ts";
import { parseResource } from "../scim/validate.ts";

export const groups = new Hono<AppEnv>();

const bodyOf = (group: StoredResource, projection: Projection, base: string): GroupBody => ({
  resource: project(toScim(group, groupResourceType, base), projection, groupResourceType),
  memberFields: returnedSubAttributes(projection, groupResourceType, "members", MEMBER_SUB_ATTRIBUTES),
});

type Ctx = Context<AppEnv>;

function render(c: Ctx, group: StoredResource, status = 200, headers: Record<string, string> = {}) {
  const base = scimBase(c);
  const db = database(c.env.DB);
  const pages = (id: string, after: string, limit: number) => memberPage(db, c.var.tenant, id, after, limit);
  return streamJson(c, groupJson(bodyOf(group, projectionOf(c), base), pages, base), status, {
    ETag: etagOf(group.version),
    ...headers,
  });
}

groups.get("/", async (c) => {
  const tenant = c.var.tenant;
  const { paging, page, where, projection } = listQuery(c, groupStorage(tenant));
  const db = database(c.env.DB);
  const { total, resources } = await listGroups(db, tenant, where, page);
  const base = scimBase(c);
  const pages = (id: string, after: string, limit: number) => memberPage(db, tenant, id, after, limit);
  const bodies = resources.map((g) => bodyOf(g, projection, base));
  return streamJson(c, groupListJson(total, paging, bodies, pages, base));
});

groups.post("/", async (c) => {
  const data = parseResource(await readJson(c), groupResourceType);
  const group = unwrap(await writerFor(c.env, c.var.tenant).createGroup(c.var.tenant, data));
  return render(c, group, 201, { Location: `${scimBase(c)}/Groups/${group.id}` });
});

groups.get("/:id", async (c) => {
  const group = await findGroup(database(c.env.DB), c.var.tenant, c.req.param("id"));
  if (!group) throw notFound(`Group ${c.req.param("id")}`);
  return render(c, group);
});

groups.put("/:id", async (c) => {
  const data = parseResource(await readJson(c), groupResourceType);
  return render(c, unwrap(await writerFor(c.env, c.var.tenant).replaceGroup(c.var.tenant, c.req.param("id"), data)));
});

// RFC 7644 §3.5.2 lets PATCH answer 204; Entra accepts it. Returning a 100,000-member group after
// every member change would make its cost grow with the group, so the body comes only on request.
groups.patch("/:id", async (c) => {
  const ops = normalisePatchRequest(await readJson(c));
  const group = unwrap(await writerFor(c.env, c.var.tenant).patchGroup(c.var.tenant, c.req.param("id"), ops));
  if (c.req.query("attributes") || c.req.query("excludedAttributes")) return render(c, group);
  return c.body(null, 204, { ETag: etagOf(group.version) });
});

groups.delete("/:id", async (c) => {
  unwrap(await writerFor(c.env, c.var.tenant).deleteGroup(c.var.tenant, c.req.param("id")));
  return c.body(null, 204);
});
