// RFC 7644 §3.12: the only error type the service throws. Anything else reaching the error
// handler is a storage failure (503, lib/storage-failure.ts) or a bug (500 without detail).

export type ScimType =
  | "invalidFilter"
  | "tooMany"
  | "uniqueness"
  | "mutability"
  | "invalidSyntax"
  | "invalidPath"
  | "noTarget"
  | "invalidValue"
  | "invalidVers"
  | "sensitive";

// The statuses each scimType may travel with (RFC 7644 Table 9), so a wrong pair fails loudly in tests.
const allowedStatus: Record<ScimType, readonly number[]> = {
  invalidFilter: [400],
  tooMany: [400],
  uniqueness: [409],
  mutability: [400],
  invalidSyntax: [400],
  invalidPath: [400],
  noTarget: [400],
  invalidValue: [400],
  invalidVers: [400],
  sensitive: [403],
};

export interface ScimErrorData {
  status: number;
  scimType?: ScimType;
  detail: string;
  /** For 429 and 503: when to try again (RFC 9110 §10.2.3 Retry-After). */
  retryAfterSeconds?: number;
}

export class ScimError extends Error {
  readonly status: number;
  readonly scimType?: ScimType;
  retryAfterSeconds?: number;

  constructor(status: number, detail: string, scimType?: ScimType) {
    super(detail);
    if (scimType && !allowedStatus[scimType].includes(status)) {
      throw new Error(`scimType ${scimType} cannot travel with status ${status}`);
    }
    this.name = "ScimError";
    this.status = status;
    this.scimType = scimType;
  }

  toData(): ScimErrorData {
    return { status: this.status, scimType: this.scimType, detail: this.message, retryAfterSeconds: this.retryAfterSeconds };
  }

  static fromData(data: ScimErrorData): ScimError {
    return Object.assign(new ScimError(data.status, data.detail, data.scimType), { retryAfterSeconds: data.retryAfterSeconds });
  }

  /** Try again later: 429 (this tenant's rate) or 503 (storage), with Retry-After. */
  static retryLater(status: 429 | 503, detail: string, retryAfterSeconds: number): ScimError {
    return Object.assign(new ScimError(status, detail), { retryAfterSeconds });
  }
}

export const ERROR_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:Error";

export function errorBody(error: ScimErrorData) {
  return {
    schemas: [ERROR_SCHEMA],
    status: String(error.status),
    ...(error.scimType ? { scimType: error.scimType } : {}),
    detail: error.detail,
  };
}

export const badRequest = (scimType: ScimType, detail: string) => new ScimError(400, detail, scimType);
export const notFound = (what: string) => new ScimError(404, `${what} not found`);
