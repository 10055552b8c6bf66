import { createRemoteJWKSet, errors, jwtVerify } from "jose";
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

/**
 * Access is on when both variables are set. Exactly one set is a half-done setup: falling back to
 * admin-key sign-in would open the console the operator meant to put behind Access, so it is refused.
 */
export function accessEnabled(env: Env): boolean {
  const team = Boolean(env.ACCESS_TEAM_DOMAIN);
  const aud = Boolean(env.ACCESS_AUD);
  if (team !== aud) {
    const missing = team ? "ACCESS_AUD" : "ACCESS_TEAM_DOMAIN";
    console.error(
      JSON.stringify({ level: "error", event: "console_misconfigured", missing, detail: `${missing} is not set, but its pair is` }),
    );
    throw new ConsoleError(500, "The console is not configured correctly: see the Worker's logs.");
  }
  return team;
}

/** "myteam.cloudflareaccess.com", with or without https:// and a trailing slash. */
const issuerOf = (teamDomain: string) => `https://${teamDomain.replace(/^https?:\/\//, "").replace(/\/+$/, "")}`;

export async function accessOperator(env: Env, assertion: string | undefined): Promise<Operator> {
  if (!assertion) throw new ConsoleError(401, "this console sits behind Cloudflare Access: open it through Access to sign in");
  const issuer = issuerOf(env.ACCESS_TEAM_DOMAIN ?? "");
  try {
    // Access signs with RS256 only: pinning it refuses any other algorithm a forged header names.
    const { payload } = await jwtVerify(assertion, keySetOf(issuer), {
      issuer,
      audience: env.ACCESS_AUD,
      algorithms: ["RS256"],
      requiredClaims: ["exp"],
    });
    const who = typeof payload.email === "string" ? payload.email : String(payload.sub ?? "unknown");
    return { name: who, scope: ALL_TENANTS, sessionId: `access:${payload.sub ?? who}`, via: "access" };
  } catch (err) {
    if (keysUnreachable(err)) {
      console.error(JSON.stringify({ level: "error", event: "access_keys_unavailable", issuer, error: String(err) }));
      throw new ConsoleError(503, "Cloudflare Access's keys cannot be fetched right now: reload in a moment.");
    }
    throw new ConsoleError(401, "the Cloudflare Access assertion is not valid here: sign in through Access again");
  }
}

/** The team's key set could not be fetched or read: our outage, not the person's bad assertion. */
const keysUnreachable = (err: unknown) =>
  !(err instanceof errors.JOSEError) ||
  err instanceof errors.JWKSTimeout ||
  err instanceof errors.JWKSInvalid ||
  err.code === "ERR_JOSE_GENERIC";
