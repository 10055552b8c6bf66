import { Hono } from "hono";
import type { AppEnv } from "../env.ts";
import { scimBase, scimJson } from "../http/respond.ts";
import { allSchemas, resourceTypeBody, schemaBody, serviceProviderConfig } from "../scim/discovery.ts";
import { notFound } from "../scim/errors.ts";
import { listResponse } from "../scim/list.ts";
import { resourceTypes } from "../scim/schema/resource-type.ts";

export const discovery = new Hono<AppEnv>();

const everything = <T>(items: T[]) => listResponse(items.length, { startIndex: 1, count: items.length }, items);

discovery.get("/ServiceProviderConfig", (c) => scimJson(c, serviceProviderConfig(scimBase(c))));

discovery.get("/ResourceTypes", (c) => scimJson(c, everything(resourceTypes.map((t) => resourceTypeBody(t, scimBase(c))))));

discovery.get("/ResourceTypes/:id", (c) => {
  const type = resourceTypes.find((t) => t.id.toLowerCase() === c.req.param("id").toLowerCase());
  if (!type) throw notFound(`ResourceType ${c.req.param("id")}`);
  return scimJson(c, resourceTypeBody(type, scimBase(c)));
});

discovery.get("/Schemas", (c) => scimJson(c, everything(allSchemas().map((s) => schemaBody(s, scimBase(c))))));

discovery.get("/Schemas/:id", (c) => {
  const found = allSchemas().find((s) => s.schema.id.toLowerCase() === c.req.param("id").toLowerCase());
  if (!found) throw notFound(`Schema ${c.req.param("id")}`);
  return scimJson(c, schemaBody(found, scimBase(c)));
});
