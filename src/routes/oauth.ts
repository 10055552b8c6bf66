import { type Context, Hono } from "hono";
import type { AppEnv } from "../env.ts";
import { requestUrl } from "../http/url.ts";
import { tenantFromHost } from "../middleware/tenant-host.ts";
import { logInternalError, logStorageFailure } from "../lib/error-report.ts";
import { isStorageFailure } from "../lib/storage-failure.ts";
import { invalidRequest, OAuthError, oauthErrorResponse, serverError, storageUnavailable } from "../oauth/errors.ts";
import { type Attempt, grantToken } from "../oauth/token-endpoint.ts";

// The token endpoint, on tenant hosts and on the single host (where the client picks the tenant).
// Its errors are RFC 6749 §5.2 JSON, never SCIM errors, so it has its own error handler: storage
// failing is temporarily_unavailable (503), anything else a bug, server_error (500) with its stack logged.
export const oauth = new Hono<AppEnv>();

// The provisioning log records a token request on the tenant its client names, with the client (or
// the federation, once its assertion verified) as the credential.
function noteAttempt(c: Context<AppEnv>, attempt: Attempt) {
  if (attempt.tenant) c.set("logTenant", attempt.tenant);
  if (attempt.federationId) c.set("credential", { kind: "federation", id: attempt.federationId });
  else if (attempt.clientId) c.set("credential", { kind: "oauth_client", id: attempt.clientId });
}

oauth.post("/token", async (c) => {
  const call = {
    raw: { contentType: c.req.header("Content-Type"), authorization: c.req.header("Authorization"), body: c.req.raw.body },
    host: tenantFromHost(requestUrl(c).host, c.env.BASE_DOMAIN),
    address: c.req.header("CF-Connecting-IP") ?? "unknown",
  };
  const attempt: Attempt = { address: call.address };
  const body = await grantToken(c.env, call, attempt).finally(() => noteAttempt(c, attempt));
  // RFC 6749 §5.1: token responses must not be cached.
  return c.json(body, 200, { "Cache-Control": "no-store", Pragma: "no-cache" });
});

oauth.all("/token", () => {
  throw invalidRequest("wrong_method", "the token endpoint takes POST (RFC 6749 §3.2)");
});

oauth.onError((error) => {
  if (error instanceof OAuthError) return oauthErrorResponse(error);
  if (isStorageFailure(error)) {
    logStorageFailure("storage_failed", error);
    return oauthErrorResponse(storageUnavailable());
  }
  logInternalError(error);
  return oauthErrorResponse(serverError("internal_error"));
});
