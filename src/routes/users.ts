import { Hono } from "hono";
import { database } from "../db/client.ts";
import { findUser, listUsers, userStorage } from "../db/users.ts";
import { unwrap } from "../durable/result.ts";
import { writerFor } from "../durable/client.ts";
import type { AppEnv } from "../env.ts";
import { readJson } from "../http/body.ts";
import { scimBase, scimJson } from "../http/respond.ts";
import { notFound } from "../scim/errors.ts";
import { compileFilter } from "../scim/filter/compile.ts";
import { parseFilter } from "../scim/filter/parse.ts";
import { listResponse, parsePaging } from "../scim/list.ts";
import { normalisePatchRequest } from "../scim/patch/normalise.ts";
import { parseProjection, project } from "../scim/projection.ts";
import { userResourceType } from "../scim/schema/resource-type.ts";
import { etagOf, type StoredResource, toScim } from "../scim/serialize.ts";
import { parseResource } from "../scim/validate.ts";

export const users = new Hono<AppEnv>();

const render = (c: Parameters<typeof scimBase>[0], user: StoredResource, status = 200, headers = {}) => {
  const projection = parseProjection(c.req.query("attributes"), c.req.query("excludedAttributes"));
  const body = project(toScim(user, userResourceType, scimBase(c)), projection, userResourceType);
  return scimJson(c, body, status, { ETag: etagOf(user.version), ...headers });
};

users.get("/", async (c) => {
  const tenant = c.var.tenant;
  const paging = parsePaging(c.req.query("startIndex"), c.req.query("count"));
  const filterText = c.req.query("filter");
  const where = filterText ? compileFilter(parseFilter(filterText), userStorage(tenant)) : undefined;
  const { total, resources } = await listUsers(database(c.env.DB), tenant, where, {
    offset: paging.startIndex - 1,
    limit: paging.count,
  });
  const projection = parseProjection(c.req.query("attributes"), c.req.query("excludedAttributes"));
  const base = scimBase(c);
  const body = resources.map((u) => project(toScim(u, userResourceType, base), projection, userResourceType));
  return scimJson(c, listResponse(total, paging, body));
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
