// Entra's own bearer token: what a non-gallery Entra app sends when its Secret Token is left
// blank. Any app in that Entra tenant can obtain a token with this audience, so Microsoft calls it
// a testing aid; a tenant accepts it only when the operator turned it on (off by default).

import { jwtVerify } from "jose";
import { entraJwksUrl } from "../lib/oauth-credentials.ts";
import { CLOCK_SKEW_SECONDS } from "./federation.ts";
import { remoteKeys } from "./jwks.ts";

// Microsoft's documented audience of the token Entra's provisioning service sends to SCIM apps.
export const ENTRA_SCIM_AUDIENCE = "8adf8e6e-67b2-4cf2-a259-e3dc5476c621";

export async function isEntraToken(token: string, entraTenantId: string): Promise<boolean> {
  try {
    const { payload } = await jwtVerify(token, remoteKeys(entraJwksUrl(entraTenantId)), {
      algorithms: ["RS256"],
      // The v1 issuer: that is the token format Entra's provisioning service sends.
      issuer: `https://sts.windows.net/${entraTenantId}/`,
      audience: ENTRA_SCIM_AUDIENCE,
      clockTolerance: CLOCK_SKEW_SECONDS,
      requiredClaims: ["exp"],
    });
    return payload.tid === entraTenantId;
  } catch {
    // Whatever failed, the signature check or the key fetch (network errors are not JOSE errors):
    // a token we cannot check is a token we do not accept.
    return false;
  }
}
