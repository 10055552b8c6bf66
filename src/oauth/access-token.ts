// The access tokens the token endpoint issues: JWTs (RFC 9068 shape) signed with HMAC-SHA256 under
// ACCESS_TOKEN_SECRET. Checking one is a signature check in memory, so a SCIM request spends no
// storage round trip on it; what a signature cannot know (a revoked secret or client, a replaced
// federation) comes from the tenant's cached auth state (auth-state.ts).

import { errors, jwtVerify, SignJWT } from "jose";
import type { Env } from "../env.ts";
import { TENANT_NAME } from "../lib/token-store.ts";
import { serverError } from "./errors.ts";

const ISSUER = "scim-edge";
// RFC 9068 §2.1: typ "at+jwt" keeps an access token from passing as some other kind of JWT.
const TYPE = "at+jwt";
const ALGORITHM = "HS256";
// Shorter keys would make HS256 brute-forcible offline from any issued token.
const MIN_SECRET_LENGTH = 32;

/** Who a token was issued to, as a SCIM request's check needs it. */
export interface ClientGrant {
  tenant: string;
  clientId: string;
  /** What vouched for the client: "secret:{secretId}" or "federation:{federationId}"; revoking it ends the token. */
  credential: string;
}

export interface AccessTokenGrant extends ClientGrant {
  scope?: string;
}

const keys = new Map<string, Promise<CryptoKey>>();

function signingKey(env: Env): Promise<CryptoKey> | undefined {
  const secret = env.ACCESS_TOKEN_SECRET;
  if (!secret || secret.length < MIN_SECRET_LENGTH) return undefined;
  let key = keys.get(secret);
  if (!key) {
    key = crypto.subtle.importKey("raw", new TextEncoder().encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign", "verify"]);
    keys.set(secret, key);
  }
  return key;
}

export async function issueAccessToken(env: Env, grant: AccessTokenGrant, lifetimeSeconds: number): Promise<string> {
  const key = signingKey(env);
  // A configuration error, not the client's and not storage's: a retry cannot help until the operator sets it.
  if (!key) {
    throw serverError(
      "missing_signing_secret",
      `ACCESS_TOKEN_SECRET is not set or shorter than ${MIN_SECRET_LENGTH} characters: \`wrangler secret put ACCESS_TOKEN_SECRET\` (locally .dev.vars)`,
    );
  }
  const claims: Record<string, string> = { tenant: grant.tenant, client_id: grant.clientId, cred: grant.credential };
  if (grant.scope !== undefined) claims.scope = grant.scope;
  return new SignJWT(claims)
    .setProtectedHeader({ alg: ALGORITHM, typ: TYPE })
    .setIssuer(ISSUER)
    .setSubject(grant.clientId)
    .setIssuedAt()
    .setExpirationTime(`${lifetimeSeconds}s`)
    .setJti(crypto.randomUUID())
    .sign(await key);
}

/** Ours, as opposed to Entra's (RS256) or a Secret Token (no JWT at all): decided by the header alone. */
export const isAccessTokenHeader = (header: { alg?: string; typ?: string }) => header.alg === ALGORITHM && header.typ === TYPE;

/** The grant a token carries, or null when it is forged, expired or malformed. Revocation is the caller's check. */
export async function verifyAccessToken(env: Env, token: string): Promise<ClientGrant | null> {
  const key = signingKey(env);
  if (!key) return null;
  try {
    const { payload } = await jwtVerify(token, await key, {
      algorithms: [ALGORITHM],
      issuer: ISSUER,
      typ: TYPE,
      requiredClaims: ["exp", "sub"],
    });
    const { tenant, client_id: clientId, cred: credential } = payload;
    if (typeof tenant !== "string" || !TENANT_NAME.test(tenant)) return null;
    if (typeof clientId !== "string" || clientId !== payload.sub || typeof credential !== "string") return null;
    return { tenant, clientId, credential };
  } catch (error) {
    if (error instanceof errors.JOSEError) return null;
    throw error;
  }
}
