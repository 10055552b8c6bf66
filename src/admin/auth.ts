import { createMiddleware } from "hono/factory";
import { database } from "../db/client.ts";
import { adminKeyScope } from "../db/admin.ts";
import type { Env, Variables } from "../env.ts";
import { requestUrl } from "../http/url.ts";
import { ADMIN_KEY_PREFIX, ALL_TENANTS } from "../lib/admin-keys.ts";
import { sha256Hex } from "../lib/crypto.ts";
import { ttlCache } from "../lib/ttl-cache.ts";
import { tenantFromHost } from "../middleware/tenant-host.ts";
import { AdminError, noSuchTenant } from "./errors.ts";

// The admin API's one door (design.md "Three credentials, three doors"): only an admin key opens
// it, and only on the single-host origin. A SCIM token or an OAuth access token is no admin key,
// and an admin key is no SCIM token (bearerAuth finds no KV record for it), so neither opens the
// other's door.

export type AdminEnv = { Bindings: Env; Variables: Variables & { adminScope: string } };

const unauthorized = () => new AdminError("unauthorized", "a valid admin key is required: Authorization: Bearer <admin key>");

// Like the SCIM token cache (middleware/auth.ts): TOKEN_CACHE_SECONDS bounds how long a revoked key
// still works in an isolate that saw it. Keyed by the key as the request brought it.
const cached = ttlCache<string | null>();

const BEARER = /^Bearer\s+(\S+)\s*$/i;

export const adminAuth = createMiddleware<AdminEnv>(async (c, next) => {
  // Tenant hosts serve SCIM only: there is nothing under /admin on them.
  if (tenantFromHost(requestUrl(c).host, c.env.BASE_DOMAIN).kind !== "apex") throw new AdminError("not_found", "no such endpoint");
  const key = BEARER.exec(c.req.header("Authorization") ?? "")?.[1];
  // Anything without the prefix (a Secret Token, a JWT) is no admin key: refused without a lookup.
  if (!key?.startsWith(ADMIN_KEY_PREFIX)) throw unauthorized();
  const scope = await cached(key, Number(c.env.TOKEN_CACHE_SECONDS) * 1000, async () =>
    adminKeyScope(database(c.env.DB), await sha256Hex(key)),
  );
  if (scope === null) throw unauthorized();
  c.set("adminScope", scope);
  await next();
});

/** The tenant a route names, if the request's key may see it; existence is checked where the tenant is read. */
export const scopedTenant = createMiddleware<AdminEnv>(async (c, next) => {
  const tenant = c.req.param("tenant") ?? "";
  const scope = c.var.adminScope;
  if (scope !== ALL_TENANTS && scope !== tenant) throw noSuchTenant(tenant);
  c.set("tenant", tenant);
  await next();
});
