import { createRemoteJWKSet, jwtVerify } from "jose";
import type { Env } from "../env.ts";
import { ALL_TENANTS } from "../lib/admin-keys.ts";
import { ConsoleError } from "./errors.ts";
import type { Operator } from "./operator.ts";

// Cloudflare Access in front of the console: Access signs in the person and sends its JWT in
// Cf-Access-Jwt-Assertion; we check it against the team's keys, issuer, audience tag and expiry
// (Cloudflare's "Validate JWTs" guide), because a request may reach the Worker around Access.

/** The team's keys, fetched once per isolate and refreshed by jose when a new key id appears. */
const keySets = new Map<string, ReturnType<typeof createRemoteJWKSet>>();

function keySetOf(issuer: string) {
  let keys = keySets.get(issuer);
  if (!keys) {
    keys = createRemoteJWKSet(new URL(`${issuer}/cdn-cgi/access/certs`));
    keySets.set(issuer, keys);
  }
  return keys;
}

export const accessEnabled = (env: Env) => Boolean(env.ACCESS_TEAM_DOMAIN && env.ACCESS_AUD);

/** "myteam.cloudflareaccess.com", with or without https:// and a trailing slash. */
const issuerOf = (teamDomain: string) => `https://${teamDomain.replace(/^https?:\/\//, "").replace(/\/+$/, "")}`;

export async function accessOperator(env: Env, assertion: string | undefined): Promise<Operator> {
  if (!assertion) throw new ConsoleError(401, "this console sits behind Cloudflare Access: open it through Access to sign in");
  const issuer = issuerOf(env.ACCESS_TEAM_DOMAIN ?? "");
  try {
    const { payload } = await jwtVerify(assertion, keySetOf(issuer), { issuer, audience: env.ACCESS_AUD, requiredClaims: ["exp"] });
    const who = typeof payload.email === "string" ? payload.email : String(payload.sub ?? "unknown");
    return { name: who, scope: ALL_TENANTS, sessionId: `access:${payload.sub ?? who}`, via: "access" };
  } catch {
    throw new ConsoleError(401, "the Cloudflare Access assertion is not valid here: sign in through Access again");
  }
}
