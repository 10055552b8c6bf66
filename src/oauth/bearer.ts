// The JWT bearer tokens a SCIM request may carry besides a Secret Token: our own access tokens,
// and (when the tenant opted in) Entra's own token. The header tells them apart without a lookup.

import { decodeProtectedHeader } from "jose";
import type { Env } from "../env.ts";
import type { HostTenant } from "../middleware/tenant-host.ts";
import type { Credential } from "../requests/read.ts";
import { isAccessTokenHeader, verifyAccessToken } from "./access-token.ts";
import { authState, credentialLive } from "./auth-state.ts";
import { isEntraToken } from "./entra-token.ts";

/** A JWS in compact form has three dot-separated parts; Secret Tokens have no dot. */
export const isJwt = (token: string) => token.split(".").length === 3;

/** A bearer token's tenant, and which of its credentials vouched for it. */
export interface Authenticated {
  tenant: string;
  credential: Credential;
}

/** The tenant a JWT bearer token authenticates, or null. */
export async function tenantOfJwt(env: Env, token: string, host: HostTenant): Promise<Authenticated | null> {
  let header;
  try {
    header = decodeProtectedHeader(token);
  } catch {
    return null;
  }
  if (isAccessTokenHeader(header)) {
    const grant = await verifyAccessToken(env, token);
    if (!grant) return null;
    if (!credentialLive(await authState(env, grant.tenant), grant)) return null;
    const federation = grant.credential.startsWith("federation:");
    return {
      tenant: grant.tenant,
      credential: federation
        ? { kind: "federation", id: grant.credential.slice("federation:".length) }
        : { kind: "oauth_client", id: grant.clientId },
    };
  }
  // Entra's token names no tenant of ours, so only a tenant host can say whose it would be.
  if (host.kind !== "tenant") return null;
  const { entraTokenTenantId } = await authState(env, host.tenant);
  if (entraTokenTenantId === null || !(await isEntraToken(token, entraTokenTenantId))) return null;
  // Entra's own token is a federation in all but configuration: its Entra tenant is what vouched.
  return { tenant: host.tenant, credential: { kind: "federation", id: `entra:${entraTokenTenantId}` } };
}
