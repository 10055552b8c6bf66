import { type Context, Hono } from "hono";
import type { AppEnv } from "../env.ts";
import { scimBase, scimJson } from "../http/respond.ts";
import { authState, enabledMethods } from "../oauth/auth-state.ts";
import { allSchemas, resourceTypeBody, schemaBody, serviceProviderConfig } from "../scim/discovery.ts";
import { notFound } from "../scim/errors.ts";
import { listResponse } from "../scim/list.ts";

export const discovery = new Hono<AppEnv>();

const everything = <T>(items: T[]) => listResponse(items.length, { startIndex: 1, count: items.length }, items);

discovery.get("/ServiceProviderConfig", async (c) =>
  scimJson(c, serviceProviderConfig(scimBase(c), enabledMethods(await authState(c.env, c.var.tenant)))),
);

/** The tenant's resource types, with its extensions; Groups only while it provisions groups. */
const typesOf = (c: Context<AppEnv>) => [c.var.types.User, ...(c.var.config.settings.groupsEnabled ? [c.var.types.Group] : [])];

discovery.get("/ResourceTypes", (c) => scimJson(c, everything(typesOf(c).map((t) => resourceTypeBody(t, scimBase(c))))));

discovery.get("/ResourceTypes/:id", (c) => {
  const type = typesOf(c).find((t) => t.id.toLowerCase() === c.req.param("id").toLowerCase());
  if (!type) throw notFound(`ResourceType ${c.req.param("id")}`);
  return scimJson(c, resourceTypeBody(type, scimBase(c)));
});

discovery.get("/Schemas", (c) => scimJson(c, everything(allSchemas(typesOf(c)).map((s) => schemaBody(s, scimBase(c))))));

discovery.get("/Schemas/:id", (c) => {
  const found = allSchemas(typesOf(c)).find((s) => s.schema.id.toLowerCase() === c.req.param("id").toLowerCase());
  if (!found) throw notFound(`Schema ${c.req.param("id")}`);
  return scimJson(c, schemaBody(found, scimBase(c)));
});
