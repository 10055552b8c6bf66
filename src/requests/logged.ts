// A logged request as it is shown (issue 17's contract): plain data, shared by the Worker's reads
// and the operator CLI, so nothing here needs the Workers runtime.

export type CredentialKind = "secret_token" | "oauth_client" | "federation" | "none";
export interface Credential {
  kind: CredentialKind;
  id: string | null;
}

export interface LoggedRequest {
  id: string;
  time: string;
  method: string;
  path: string;
  status: number;
  durationMs: number;
  scimType: string | null;
  detail: string | null;
  resourceId: string | null;
  credential: Credential;
  correlationId: string | null;
  bodies?: { request?: string; response?: string };
}

/** A request_log row with camelCase names, as Drizzle reads it and the CLI selects it. */
export type StoredRequest = Omit<LoggedRequest, "credential" | "bodies"> & {
  credentialKind: CredentialKind;
  credentialId: string | null;
  requestBody: string | null;
  responseBody: string | null;
};

/** A stored row as the admin API, the CLI's --json and the console show it. */
export function toLogged(row: StoredRequest): LoggedRequest {
  const logged: LoggedRequest = {
    id: row.id,
    time: row.time,
    method: row.method,
    path: row.path,
    status: row.status,
    durationMs: row.durationMs,
    scimType: row.scimType,
    detail: row.detail,
    resourceId: row.resourceId,
    credential: { kind: row.credentialKind, id: row.credentialId },
    correlationId: row.correlationId,
  };
  if (row.requestBody !== null || row.responseBody !== null) {
    logged.bodies = {};
    if (row.requestBody !== null) logged.bodies.request = row.requestBody;
    if (row.responseBody !== null) logged.bodies.response = row.responseBody;
  }
  return logged;
}
