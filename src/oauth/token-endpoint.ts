// RFC 6749 §4.4 client credentials grant: authenticate the client (secret or RFC 7523 assertion),
// then issue an access token for its tenant. Every refusal is an OAuthError, logged here once as one
// JSON line with its reason and never with a secret, assertion or token.

import { clientCredentials, type Federation, federationBySubject, federationOf } from "../db/oauth.ts";
import { database } from "../db/client.ts";
import type { Env } from "../env.ts";
import { sha256Hex } from "../lib/crypto.ts";
import { DEFAULT_ACCESS_TOKEN_SECONDS, tenantOfClientId } from "../lib/oauth-credentials.ts";
import type { HostTenant } from "../middleware/tenant-host.ts";
import { rateLimit } from "../ratelimit/limiter.ts";
import type { RateRule } from "../ratelimit/bucket.ts";
import { type ClientGrant, issueAccessToken } from "./access-token.ts";
import { federationCredential, secretCredential } from "./auth-state.ts";
import { clientAuthFailed, type FailureReason, OAuthError } from "./errors.ts";
import { readAssertionClaims, verifyAssertion } from "./federation.ts";
import { type ClientAuth, parseTokenRequest, type RawTokenRequest } from "./token-request.ts";

/**
 * Entra asks for a token about once an hour per provisioning job, but all of Entra's jobs share a
 * few Azure addresses, hence a generous per-address limit beside a tight per-client one.
 */
export const TOKEN_ENDPOINT_LIMITS = {
  perAddress: { limit: 300, windowSeconds: 60 },
  perClient: { limit: 20, windowSeconds: 60 },
} as const satisfies Record<string, RateRule>;

export interface TokenCall {
  raw: RawTokenRequest;
  host: HostTenant;
  /** CF-Connecting-IP: the client's address as Cloudflare saw it. */
  address: string;
}

/** RFC 6749 §5.1. */
export interface TokenResponse {
  access_token: string;
  token_type: "Bearer";
  expires_in: number;
  scope?: string;
}

/** What a token request claimed and proved so far: its refusal's log line, and the provisioning log's row. */
export interface Attempt {
  address: string;
  method?: "client_secret_basic" | "client_secret_post" | "private_key_jwt";
  clientId?: string;
  tenant?: string;
  /** The federation that vouched, once the assertion verified. */
  federationId?: string;
}

interface Authenticated {
  grant: ClientGrant;
  lifetimeSeconds: number | null;
}

function logRefusal(attempt: Attempt, error: OAuthError) {
  const { reason, code, options } = error;
  // server_error is ours to fix (a missing secret), not the client's: an error for the operator.
  const level = code === "server_error" ? "error" : "warn";
  console[level](JSON.stringify({ level, event: "oauth_token_refused", reason, code, ...attempt, detail: options.detail }));
}

async function limit(env: Env, key: string, rule: RateRule, reason: FailureReason) {
  const decision = await rateLimit(env, `oauth-token:${key}`, rule);
  if (!decision.allowed) {
    throw new OAuthError("temporarily_unavailable", reason, "too many token requests; retry later", {
      retryAfterSeconds: decision.retryAfterSeconds,
    });
  }
}

type SecretAuth = Extract<ClientAuth, { kind: "secret" }>;
type AssertionAuth = Extract<ClientAuth, { kind: "assertion" }>;

async function authenticateSecret(env: Env, auth: SecretAuth, host: HostTenant, attempt: Attempt): Promise<Authenticated> {
  attempt.method = auth.via === "basic" ? "client_secret_basic" : "client_secret_post";
  attempt.clientId = auth.clientId;
  await limit(env, `client:${auth.clientId}`, TOKEN_ENDPOINT_LIMITS.perClient, "rate_limited_client");
  const fail = (reason: FailureReason) => clientAuthFailed(reason, { basicChallenge: auth.via === "basic" });
  const tenant = tenantOfClientId(auth.clientId);
  if (tenant === null) throw fail("unknown_client");
  attempt.tenant = tenant;
  // A client of tenant A on tenant B's host is refused like an unknown one.
  if (host.kind === "invalid" || (host.kind === "tenant" && host.tenant !== tenant)) throw fail("wrong_tenant");
  const found = await clientCredentials(database(env.DB), tenant, auth.clientId);
  if (!found.client) throw fail("unknown_client");
  if (found.client.revokedAt !== null) throw fail("client_revoked");
  // Comparing SHA-256 digests of 256-bit secrets leaks nothing useful through timing.
  const hash = await sha256Hex(auth.secret);
  const secret = found.secrets.find((s) => s.secretHash === hash);
  if (!secret) throw fail("wrong_secret");
  if (secret.revokedAt !== null) throw fail("secret_revoked");
  if (Date.parse(secret.expiresAt) <= Date.now()) throw fail("secret_expired");
  return {
    grant: { tenant, clientId: auth.clientId, credential: secretCredential(secret.secretId) },
    lifetimeSeconds: found.accessTokenSeconds,
  };
}

async function authenticateAssertion(env: Env, auth: AssertionAuth, host: HostTenant, attempt: Attempt): Promise<Authenticated> {
  attempt.method = "private_key_jwt";
  const { sub, tid } = readAssertionClaims(auth.assertion);
  attempt.clientId = sub;
  // RFC 7523 §3: the assertion's sub is the client; a client_id sent beside it must agree.
  if (auth.clientId !== undefined && auth.clientId !== sub) throw clientAuthFailed("client_id_mismatch");
  await limit(env, `assertion:${tid ?? ""}/${sub}`, TOKEN_ENDPOINT_LIMITS.perClient, "rate_limited_client");
  const db = database(env.DB);
  // On a tenant host the host names the federation; on the single host the (tid, sub) pair does.
  let federation: Federation | undefined;
  if (host.kind === "tenant") federation = await federationOf(db, host.tenant);
  else if (host.kind === "apex" && tid !== undefined) federation = await federationBySubject(db, tid, sub);
  if (!federation) throw clientAuthFailed("no_federation");
  const { row } = federation;
  attempt.tenant = row.tenantId;
  await verifyAssertion(auth.assertion, row);
  attempt.federationId = row.federationId;
  return {
    grant: { tenant: row.tenantId, clientId: sub, credential: federationCredential(row.federationId) },
    lifetimeSeconds: federation.accessTokenSeconds,
  };
}

/** `attempt` is filled in as the request is checked, for the caller to record. */
export async function grantToken(env: Env, call: TokenCall, attempt: Attempt = { address: call.address }): Promise<TokenResponse> {
  try {
    await limit(env, `address:${call.address}`, TOKEN_ENDPOINT_LIMITS.perAddress, "rate_limited_address");
    const { auth, scope } = await parseTokenRequest(call.raw);
    const { grant, lifetimeSeconds } =
      auth.kind === "secret"
        ? await authenticateSecret(env, auth, call.host, attempt)
        : await authenticateAssertion(env, auth, call.host, attempt);
    const expiresIn = lifetimeSeconds ?? DEFAULT_ACCESS_TOKEN_SECONDS;
    const accessToken = await issueAccessToken(env, { ...grant, scope }, expiresIn);
    return { access_token: accessToken, token_type: "Bearer", expires_in: expiresIn, ...(scope !== undefined ? { scope } : {}) };
  } catch (error) {
    if (error instanceof OAuthError) logRefusal(attempt, error);
    throw error;
  }
}
