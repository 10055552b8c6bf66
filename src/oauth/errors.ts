// The token endpoint's one error type. It answers RFC 6749 §5.2 JSON, not SCIM errors; the route's
// error handler (routes/oauth.ts) turns it into a response through oauthErrorResponse, the only
// place that knows statuses and headers.

/**
 * RFC 6749 §5.2, plus RFC 6749 §4.1.2.1's temporarily_unavailable (a rate limit's 429, or storage
 * failing) and server_error (the server's own fault: a missing secret, a bug).
 */
export type OAuthErrorCode =
  | "invalid_request"
  | "invalid_client"
  | "unsupported_grant_type"
  | "invalid_scope"
  | "temporarily_unavailable"
  | "server_error";

/**
 * Why an attempt failed: logged, never sent. invalid_client says nothing more on the wire, so a
 * prober cannot tell an unknown client from a wrong secret or an expired one.
 */
export type FailureReason =
  | "wrong_method"
  | "rate_limited_address"
  | "rate_limited_client"
  | "bad_content_type"
  | "body_too_large"
  | "duplicate_parameter"
  | "missing_grant_type"
  | "unsupported_grant_type"
  | "bad_scope_syntax"
  | "several_auth_methods"
  | "unsupported_auth_scheme"
  | "malformed_basic"
  | "no_client_auth"
  | "client_id_mismatch"
  | "unknown_client"
  | "wrong_tenant"
  | "client_revoked"
  | "wrong_secret"
  | "secret_revoked"
  | "secret_expired"
  | "unsupported_assertion_type"
  | "malformed_assertion"
  | "no_federation"
  | "bad_signature"
  | "unknown_kid"
  | "jwks_unavailable"
  | "bad_issuer"
  | "bad_audience"
  | "bad_tid"
  | "bad_subject"
  | "assertion_expired"
  | "assertion_not_yet_valid"
  | "bad_claims"
  | "missing_signing_secret"
  | "storage_unavailable"
  | "internal_error";

export interface OAuthErrorOptions {
  /** The client tried HTTP Basic: RFC 6749 §5.2 then requires 401 with a matching WWW-Authenticate. */
  basicChallenge?: boolean;
  retryAfterSeconds?: number;
  /** Instead of the code's usual status: temporarily_unavailable is a 503 when storage, not the client's rate, is the cause. */
  status?: number;
  /** For the log line only, e.g. why the key fetch failed. Never a secret, assertion or token. */
  detail?: string;
}

export class OAuthError extends Error {
  constructor(
    readonly code: OAuthErrorCode,
    readonly reason: FailureReason,
    /** Sent as error_description: say what to fix, never why a credential was refused. */
    readonly description: string,
    readonly options: OAuthErrorOptions = {},
  ) {
    super(description);
    this.name = "OAuthError";
  }
}

const STATUS: Record<OAuthErrorCode, number> = {
  invalid_request: 400,
  // RFC 6749 §5.2 allows 400 here unless Basic was tried; 401 always is what clients expect.
  invalid_client: 401,
  unsupported_grant_type: 400,
  invalid_scope: 400,
  temporarily_unavailable: 429,
  server_error: 500,
};

export const clientAuthFailed = (reason: FailureReason, options: OAuthErrorOptions = {}) =>
  new OAuthError("invalid_client", reason, "client authentication failed", options);

export const serverError = (reason: FailureReason, detail?: string) =>
  new OAuthError("server_error", reason, "the server cannot issue tokens now", { detail });

export const storageUnavailable = () =>
  new OAuthError("temporarily_unavailable", "storage_unavailable", "storage is temporarily unavailable; retry later", {
    retryAfterSeconds: 30,
    status: 503,
  });

export const invalidRequest = (reason: FailureReason, description: string) => new OAuthError("invalid_request", reason, description);

export function oauthErrorResponse(error: OAuthError): Response {
  const headers = new Headers({
    "Content-Type": "application/json",
    // RFC 6749 §5.1 asks this of token responses; errors come from the same endpoint.
    "Cache-Control": "no-store",
    Pragma: "no-cache",
  });
  if (error.options.basicChallenge) headers.set("WWW-Authenticate", 'Basic realm="oauth", charset="UTF-8"');
  if (error.options.retryAfterSeconds !== undefined) headers.set("Retry-After", String(error.options.retryAfterSeconds));
  const body = { error: error.code, error_description: error.description };
  return new Response(JSON.stringify(body), { status: error.options.status ?? STATUS[error.code], headers });
}
