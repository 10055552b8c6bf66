import { createMiddleware } from "hono/factory";
import { database } from "../db/client.ts";
import type { AppEnv } from "../env.ts";
import { loadTenantConfig, type TenantConfig } from "../tenancy/config.ts";
import { ttlCache } from "../lib/ttl-cache.ts";
import { tenantResourceTypes } from "../tenancy/resource-types.ts";

// Every SCIM request needs its tenant's extensions and policy; an isolate keeps them for
// CONFIG_CACHE_SECONDS, the bound README states for an operator's change to take effect.
const cached = ttlCache<TenantConfig>();

export const tenantConfig = createMiddleware<AppEnv>(async (c, next) => {
  const ttl = Number(c.env.CONFIG_CACHE_SECONDS) * 1000;
  const config = await cached(c.var.tenant, ttl, () => loadTenantConfig(database(c.env.DB), c.var.tenant));
  c.set("config", config);
  c.set("types", tenantResourceTypes(config.extensions));
  await next();
});
