// What a signed token cannot know about itself: whether the secret, client or federation that
// vouched for it is still live, and which methods a tenant has enabled. Read from D1 once per tenant
// and isolate, then trusted for TOKEN_CACHE_SECONDS: that is the bound on how long a revoked
// credential's access tokens keep working (D1 itself is read-after-write consistent).

import { authStateRows } from "../db/oauth.ts";
import { ttlCache } from "../lib/ttl-cache.ts";
import { database } from "../db/client.ts";
import type { Env } from "../env.ts";
import type { AuthMethod } from "../lib/oauth-credentials.ts";
import type { ClientGrant } from "./access-token.ts";

export interface AuthState {
  secretToken: boolean;
  /** By secret id: the live secrets of live clients, with their expiry (ms). */
  liveSecrets: Map<string, { clientId: string; expiresAt: number }>;
  federation: { federationId: string; subject: string } | undefined;
  entraTokenTenantId: string | null;
}

export const secretCredential = (secretId: string) => `secret:${secretId}`;
export const federationCredential = (federationId: string) => `federation:${federationId}`;

const cached = ttlCache<AuthState>();

async function load(env: Env, tenant: string): Promise<AuthState> {
  const rows = await authStateRows(database(env.DB), tenant);
  return {
    secretToken: rows.secretToken,
    liveSecrets: new Map(rows.liveSecrets.map((s) => [s.secretId, { clientId: s.clientId, expiresAt: Date.parse(s.expiresAt) }])),
    federation: rows.federation && { federationId: rows.federation.federationId, subject: rows.federation.subject },
    entraTokenTenantId: rows.entraTokenTenantId,
  };
}

export function authState(env: Env, tenant: string): Promise<AuthState> {
  return cached(tenant, Number(env.TOKEN_CACHE_SECONDS) * 1000, () => load(env, tenant));
}

/** Whether the credential behind an access token is still live; expiry is judged now, not when cached. */
export function credentialLive(state: AuthState, grant: ClientGrant): boolean {
  const [kind, id] = grant.credential.split(":", 2);
  if (kind === "secret") {
    const secret = state.liveSecrets.get(id);
    return secret !== undefined && secret.clientId === grant.clientId && secret.expiresAt > Date.now();
  }
  if (kind === "federation") {
    return state.federation?.federationId === id && state.federation.subject === grant.clientId;
  }
  return false;
}

/** The methods that would authenticate a request right now, in the order discovery lists them. */
export function enabledMethods(state: AuthState): AuthMethod[] {
  const now = Date.now();
  const methods: AuthMethod[] = [];
  if (state.secretToken) methods.push("secretToken");
  if ([...state.liveSecrets.values()].some((s) => s.expiresAt > now)) methods.push("clientCredentials");
  if (state.federation) methods.push("federation");
  if (state.entraTokenTenantId) methods.push("entraToken");
  return methods;
}
