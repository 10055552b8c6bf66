// The provisioning log's data as the console renders it: structurally the shapes of the shared
// contract (src/requests/read.ts of the log branch), declared here so the console builds without it.

export type CredentialKind = "secret_token" | "oauth_client" | "federation" | "none";

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
  credential: { kind: CredentialKind; id: string | null };
  correlationId: string | null;
  bodies?: { request?: string; response?: string };
}

export interface RequestQuery {
  status?: string;
  since?: string;
  until?: string;
  limit: number;
  cursor?: string;
}

export interface HealthWindow {
  requests: number;
  failures: number;
  failureRatio: number;
  byStatus: Record<string, number>;
  byScimType: Record<string, number>;
  p50Ms: number | null;
  p95Ms: number | null;
  lastRequestAt: string | null;
}

export type Verdict = "healthy" | "at_risk" | "likely_quarantined" | "idle";

export interface Health {
  verdict: Verdict;
  summary: string;
  last24h: HealthWindow;
  last7d: HealthWindow;
}

export interface HourBucket {
  hour: string;
  requests: number;
  failures: number;
}

export interface FailureGroup {
  reason: string;
  count: number;
  latest: LoggedRequest[];
}
