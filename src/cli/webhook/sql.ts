// The webhook_endpoints statements of `webhook ...`, for `wrangler d1 execute` (no bound
// parameters): every value passes a pattern that cannot end an SQL string literal (cli/sql.ts).
// The Worker's own statements are src/webhooks/store.ts; these mirror them in plain SQL.

import { TENANT_NAME } from "../../lib/token-store.ts";
import { WEBHOOK_SECRET } from "../../webhooks/signature.ts";
import { ISO_INSTANT, literal } from "../sql.ts";
import { type endpointView, type NewEndpoint, WEBHOOK_ID } from "../../webhooks/endpoint.ts";

/** The columns endpointView (webhooks/endpoint.ts) reads, under the names it reads them by. */
export type EndpointRow = Parameters<typeof endpointView>[0];

/** A URL as URL serialises it, without what could end a literal. */
const SAFE_URL = /^https?:\/\/[^'\\;\s]+$/;
const TYPES_JSON = /^\["[a-z._]+"(,"[a-z._]+")*\]$/;

const tenantLit = (tenant: string) => literal(tenant, TENANT_NAME, "tenant name");
const idLit = (id: string) => literal(id, WEBHOOK_ID, "webhook id");
const timeLit = (at: string) => literal(at, ISO_INSTANT, "timestamp");
const secretLit = (secret: string) => literal(secret, WEBHOOK_SECRET, "webhook secret");

const COLUMNS =
  "id, url, types, status, position, attempts, next_attempt_at AS nextAttemptAt, previous_until AS previousUntil, created_at AS createdAt";
const one = (tenant: string, id: string) => `tenant_id = ${tenantLit(tenant)} AND id = ${idLit(id)}`;

/** Only for an existing tenant with fewer than `max` endpoints; from the tenant's current seq. */
export function insertEndpoint(tenant: string, e: NewEndpoint, max: number): string {
  const t = tenantLit(tenant);
  const types = e.types === null ? "NULL" : literal(JSON.stringify(e.types), TYPES_JSON, "event types");
  const values = `${t}, ${idLit(e.id)}, ${literal(e.url, SAFE_URL, "URL")}, ${types}, ${secretLit(e.secret)}, 'active',
    coalesce((SELECT last_seq FROM tenant_event_counters WHERE tenant_id = ${t}), 0), 0, ${timeLit(e.createdAt)}`;
  return `INSERT INTO webhook_endpoints (tenant_id, id, url, types, secret, status, position, attempts, created_at)
    SELECT ${values} WHERE EXISTS (SELECT 1 FROM tenants WHERE id = ${t})
    AND (SELECT count(*) FROM webhook_endpoints WHERE tenant_id = ${t}) < ${Math.trunc(max)}`;
}

/** Whether a statement run from a file (no rows back) took effect: the endpoint, with that rotation if given. */
export const endpointId = (tenant: string, id: string, previousUntil?: string) =>
  `SELECT id FROM webhook_endpoints WHERE ${one(tenant, id)}${previousUntil === undefined ? "" : ` AND previous_until = ${timeLit(previousUntil)}`}`;

export const selectEndpoints = (tenant: string) =>
  `SELECT ${COLUMNS} FROM webhook_endpoints WHERE tenant_id = ${tenantLit(tenant)} ORDER BY created_at, id`;

/** The endpoint and its delivery log. */
export const deleteEndpoint = (tenant: string, id: string) => [
  `DELETE FROM webhook_endpoints WHERE ${one(tenant, id)} RETURNING id`,
  `DELETE FROM webhook_deliveries WHERE tenant_id = ${tenantLit(tenant)} AND endpoint_id = ${idLit(id)}`,
];

export const rotateSecret = (tenant: string, id: string, secret: string, previousUntil: string) =>
  `UPDATE webhook_endpoints SET previous_secret = secret, secret = ${secretLit(secret)}, previous_until = ${timeLit(previousUntil)}
    WHERE ${one(tenant, id)}`;

/**
 * Active again with a fresh retry schedule, from its position or from `position`, kept between the
 * oldest retained event and the last seq, with a log entry when retention took events it never got
 * (webhooks/store.ts restartEndpoint). The log entry, then the endpoint: one batch.
 */
export function restartEndpoint(tenant: string, id: string, at: string, position?: number): string[] {
  const t = tenantLit(tenant);
  const requested = position === undefined ? "position" : String(Math.trunc(position));
  const last = `coalesce((SELECT last_seq FROM tenant_event_counters WHERE tenant_id = ${t}), 0)`;
  const floor = `coalesce((SELECT min(seq) - 1 FROM events WHERE tenant_id = ${t}), ${last})`;
  const attempt = `(SELECT coalesce(max(attempt), 0) + 1 FROM webhook_deliveries WHERE tenant_id = ${t} AND endpoint_id = ${idLit(id)})`;
  const gap = `'events ' || (${requested} + 1) || '..' || ${floor} || ' were pruned before delivery: resumed from seq ' || (${floor} + 1)`;
  return [
    `INSERT INTO webhook_deliveries (tenant_id, endpoint_id, attempt, seq, event_id, time, status_code, duration_ms, error, response_body)
      SELECT tenant_id, id, ${attempt}, ${requested} + 1, NULL, ${timeLit(at)}, NULL, 0, ${gap}, NULL
      FROM webhook_endpoints WHERE ${one(tenant, id)} AND ${requested} < ${floor}`,
    `UPDATE webhook_endpoints SET status = 'active', attempts = 0, next_attempt_at = NULL,
      position = min(max(${requested}, ${floor}), ${last}) WHERE ${one(tenant, id)} RETURNING ${COLUMNS}`,
  ];
}
