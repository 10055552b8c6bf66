import { createMiddleware } from "hono/factory";
import type { AppEnv, Env } from "../env.ts";
import { sha256Hex } from "../lib/crypto.ts";
import { ttlCache } from "../lib/ttl-cache.ts";
import { type TokenRecord, tokenKey } from "../lib/token-store.ts";
import { type Authenticated, isJwt, tenantOfJwt } from "../oauth/bearer.ts";
import { ScimError } from "../scim/errors.ts";
import { requestUrl } from "../http/url.ts";
import { tenantFromHost } from "./tenant-host.ts";

// Bearer token -> tenant. A Secret Token goes SHA-256 -> KV; a JWT is one of our OAuth access tokens
// (signature + cached revocation state, src/oauth/bearer.ts) or, where a tenant opted in, Entra's
// own token. Every failure reads the same, so an unknown tenant host can't be told from a bad token
// (no tenant enumeration).
const unauthorized = () => new ScimError(401, "Authentication failed: a valid bearer token for this tenant is required");

// Production KV is eventually consistent (about 60 s), so a short in-isolate cache of
// token -> tenant costs no freshness KV promised; TOKEN_CACHE_SECONDS bounds how long a revoked
// token may still work in an isolate that saw it. Keyed by the token as the request brought it (the
// cache lives only in this isolate's memory, which holds the token anyway while serving it): a hit
// then costs no SHA-256, which was a visible share of a request's CPU.
const cached = ttlCache<Authenticated | null>();

// A Secret Token's id in the provisioning log: the start of its SHA-256, which names the token among
// a tenant's rotations without being usable as one.
const TOKEN_ID_HEX = 12;

function tenantOfToken(env: Env, token: string): Promise<Authenticated | null> {
  return cached(token, Number(env.TOKEN_CACHE_SECONDS) * 1000, async () => {
    const hash = await sha256Hex(token);
    const record = await env.TOKENS.get<TokenRecord>(tokenKey(hash), "json");
    return record ? { tenant: record.tenant, credential: { kind: "secret_token", id: hash.slice(0, TOKEN_ID_HEX) } } : null;
  });
}

const BEARER = /^Bearer\s+([A-Za-z0-9\-._~+/]+=*)\s*$/i;

export const bearerAuth = createMiddleware<AppEnv>(async (c, next) => {
  const match = BEARER.exec(c.req.header("Authorization") ?? "");
  if (!match) throw unauthorized();
  const host = tenantFromHost(requestUrl(c).host, c.env.BASE_DOMAIN);
  if (host.kind === "invalid") throw unauthorized();
  const token = match[1];
  const found = isJwt(token) ? await tenantOfJwt(c.env, token, host) : await tenantOfToken(c.env, token);
  if (!found || (host.kind === "tenant" && host.tenant !== found.tenant)) throw unauthorized();
  c.set("tenant", found.tenant);
  c.set("credential", found.credential);
  await next();
});
