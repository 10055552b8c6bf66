import { type Context, Hono } from "hono";
import { database } from "../db/client.ts";
import { groupsOf } from "../db/groups.ts";
import { findUser, listUsers, userStorage } from "../db/users.ts";
import { writerFor } from "../durable/client.ts";
import { unwrap } from "../durable/result.ts";
import type { AppEnv } from "../env.ts";
import { readJson } from "../http/body.ts";
import { listQuery, projectionOf } from "../http/query.ts";
import { scimBase, scimJson } from "../http/respond.ts";
import { notFound } from "../scim/errors.ts";
import { listResponse } from "../scim/list.ts";
import { normalisePatchRequest } from "../scim/patch/normalise.ts";
import { type Projection, project, returnedSubAttributes } from "../scim/projection.ts";
import { userResourceType } from "../scim/schema/resource-type.ts";
import { etagOf, type StoredResource, toScim } from "../scim/serialize.ts";
import { parseResource } from "../scim/validate.ts";

export const users = new Hono<AppEnv>();

const GROUP_FIELDS = ["value", "$ref", "display", "type"];

/**
 * Renders users with their read-only groups attribute (RFC 7643 §4.1.2), computed from the
 * membership rows in one query for the whole page, and skipped when the projection drops it.
 */
async function renderUsers(c: Context<AppEnv>, list: StoredResource[], projection: Projection) {
  const base = scimBase(c);
  const fields = returnedSubAttributes(projection, userResourceType, "groups", GROUP_FIELDS);
  const memberships = fields && list.length ? await groupsOf(database(c.env.DB), c.var.tenant, list.map((u) => u.id)) : [];
  return list.map((user) => {
    const resource = toScim(user, userResourceType, base);
    const groups = memberships
      .filter((m) => m.memberId === user.id)
      .map((m) => ({ value: m.groupId, $ref: `${base}/Groups/${m.groupId}`, display: m.display, type: "direct" }));
    if (groups.length) resource.groups = groups;
    return project(resource, projection, userResourceType);
  });
}

async function render(c: Context<AppEnv>, user: StoredResource, status = 200, headers: Record<string, string> = {}) {
  const [body] = await renderUsers(c, [user], projectionOf(c));
  return scimJson(c, body, status, { ETag: etagOf(user.version), ...headers });
}

users.get("/", async (c) => {
  const { paging, page, where, projection } = listQuery(c, userStorage(c.var.tenant));
  const { total, resources } = await listUsers(database(c.env.DB), c.var.tenant, where, page);
  return scimJson(c, listResponse(total, paging, await renderUsers(c, resources, projection)));
});

users.post("/", async (c) => {
  const data = parseResource(await readJson(c), userResourceType);
  const user = unwrap(await writerFor(c.env, c.var.tenant).createUser(c.var.tenant, data));
  return render(c, user, 201, { Location: `${scimBase(c)}/Users/${user.id}` });
});

users.get("/:id", async (c) => {
  const user = await findUser(database(c.env.DB), c.var.tenant, c.req.param("id"));
  if (!user) throw notFound(`User ${c.req.param("id")}`);
  return render(c, user);
});

users.put("/:id", async (c) => {
  const data = parseResource(await readJson(c), userResourceType);
  return render(c, unwrap(await writerFor(c.env, c.var.tenant).replaceUser(c.var.tenant, c.req.param("id"), data)));
});

users.patch("/:id", async (c) => {
  const ops = normalisePatchRequest(await readJson(c));
  return render(c, unwrap(await writerFor(c.env, c.var.tenant).patchUser(c.var.tenant, c.req.param("id"), ops)));
});

users.delete("/:id", async (c) => {
  unwrap(await writerFor(c.env, c.var.tenant).deleteUser(c.var.tenant, c.req.param("id")));
  return c.body(null, 204);
});
