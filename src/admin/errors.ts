// The admin API is not SCIM, so its errors are not RFC 7644's: JSON {"error", "detail", ...},
// rendered in one place (the admin app's onError, src/admin/app.ts) like ScimError is for /scim.

export type AdminErrorCode = "bad_request" | "unauthorized" | "not_found" | "cursor_expired" | "too_many_requests" | "unavailable";

const STATUS: Record<AdminErrorCode, number> = {
  bad_request: 400,
  unauthorized: 401,
  not_found: 404,
  cursor_expired: 410,
  too_many_requests: 429,
  unavailable: 503,
};

export class AdminError extends Error {
  readonly code: AdminErrorCode;
  readonly status: number;
  /** Fields the client acts on besides the detail, e.g. 410's oldestSeq. */
  readonly extra: Record<string, unknown>;
  readonly retryAfterSeconds?: number;

  constructor(code: AdminErrorCode, detail: string, extra: Record<string, unknown> = {}, retryAfterSeconds?: number) {
    super(detail);
    this.name = "AdminError";
    this.code = code;
    this.status = STATUS[code];
    this.extra = extra;
    this.retryAfterSeconds = retryAfterSeconds;
  }

  body() {
    return { error: this.code, detail: this.message, ...this.extra };
  }
}

export const badParam = (detail: string) => new AdminError("bad_request", detail);

// One answer for every tenant a key may not see and every tenant that does not exist: a scoped
// key cannot learn which other tenants there are.
export const noSuchTenant = (tenant: string) => new AdminError("not_found", `no tenant "${tenant}" for this key`);
