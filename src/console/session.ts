import type { Context } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import { createMiddleware } from "hono/factory";
import { database } from "../db/client.ts";
import { adminKeyIdentity } from "../db/console.ts";
import { requestUrl } from "../http/url.ts";
import { ADMIN_KEY_PREFIX } from "../lib/admin-keys.ts";
import { sha256Hex } from "../lib/crypto.ts";
import { ttlCache } from "../lib/ttl-cache.ts";
import { accessEnabled, accessOperator } from "./access.ts";
import type { ConsoleEnv, Operator } from "./operator.ts";

// Who is signed in: Cloudflare Access's identity when Access is configured, else the admin key the
// sign-in form stored in a cookie. The cookie holds the key itself, so revoking the key (CLI:
// admin-key revoke) ends every console session it opened, within TOKEN_CACHE_SECONDS.

const COOKIE = "scim_console";

// As the admin API caches key lookups (admin/auth.ts): TOKEN_CACHE_SECONDS bounds a revoked key's life.
const cached = ttlCache<Operator | null>();

/** The operator an admin key signs in, or null for anything that is not a live admin key. */
export async function adminKeyOperator(c: Context<ConsoleEnv>, key: string): Promise<Operator | null> {
  if (!key.startsWith(ADMIN_KEY_PREFIX)) return null;
  return cached(key, Number(c.env.TOKEN_CACHE_SECONDS) * 1000, async () => {
    const hash = await sha256Hex(key);
    const identity = await adminKeyIdentity(database(c.env.DB), hash);
    return identity && { name: identity.id, scope: identity.scope, sessionId: `key:${hash}`, via: "admin_key" };
  });
}

// Browsers refuse Secure cookies over plain http, which only loopback development uses.
const LOOPBACK = /^(localhost|127\.0\.0\.1|\[::1\])$|\.localhost$/;

export function startSession(c: Context<ConsoleEnv>, key: string) {
  setCookie(c, COOKIE, key, {
    httpOnly: true,
    secure: !LOOPBACK.test(requestUrl(c).hostname),
    sameSite: "Strict",
    path: "/console",
  });
}

export function endSession(c: Context<ConsoleEnv>) {
  deleteCookie(c, COOKIE, { path: "/console", secure: !LOOPBACK.test(requestUrl(c).hostname) });
}

/** Pages behind sign-in: sets c.var.operator, or sends the browser to the sign-in form. */
export const signedIn = createMiddleware<ConsoleEnv>(async (c, next) => {
  if (accessEnabled(c.env)) {
    c.set("operator", await accessOperator(c.env, c.req.header("Cf-Access-Jwt-Assertion")));
    return next();
  }
  const key = getCookie(c, COOKIE);
  const operator = key ? await adminKeyOperator(c, key) : null;
  if (!operator) return c.redirect("/console/sign-in", 303);
  c.set("operator", operator);
  await next();
});
