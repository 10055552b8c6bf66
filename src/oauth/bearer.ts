// The JWT bearer tokens a SCIM request may carry besides a Secret Token: our own access tokens,
// and (when the tenant opted in) Entra's own token. The header tells them apart without a lookup.

import { decodeProtectedHeader } from "jose";
import type { Env } from "../env.ts";
import type { HostTenant } from "../middleware/tenant-host.ts";
import { isAccessTokenHeader, verifyAccessToken } from "./access-token.ts";
import { authState, credentialLive } from "./auth-state.ts";
import { isEntraToken } from "./entra-token.ts";

/** A JWS in compact form has three dot-separated parts; Secret Tokens have no dot. */
export const isJwt = (token: string) => token.split(".").length === 3;

/** The tenant a JWT bearer token authenticates, or null. */
export async function tenantOfJwt(env: Env, token: string, host: HostTenant): Promise<string | null> {
  let header;
  try {
    header = decodeProtectedHeader(token);
  } catch {
    return null;
  }
  if (isAccessTokenHeader(header)) {
    const grant = await verifyAccessToken(env, token);
    if (!grant) return null;
    return credentialLive(await authState(env, grant.tenant), grant) ? grant.tenant : null;
  }
  // Entra's token names no tenant of ours, so only a tenant host can say whose it would be.
  if (host.kind !== "tenant") return null;
  const { entraTokenTenantId } = await authState(env, host.tenant);
  return entraTokenTenantId !== null && (await isEntraToken(token, entraTokenTenantId)) ? host.tenant : null;
}
