import { sql } from "drizzle-orm";
import type { Database } from "../db/client.ts";
import type { StoredRequest } from "./logged.ts";

// Writing the provisioning log (README: Provisioning log, "Where it lives"). Every row but a user
// write's (which its own statement records: pendingLog below) goes through one statement that takes
// the rows as a JSON array (one bound parameter, so D1's 100-parameter limit never splits a flush)
// and joins them to their tenant: a host naming no tenant leaves no row, and bodies are kept only
// while the tenant's capture is on, decided by D1 at the row's own time, so the request never reads
// the setting.
//  - A failed request's row is written before its response is sent: a failure is never lost, and
//    failures are few (a tenant failing often is exactly the one worth its extra round trip).
//  - Any other successful write's row is written before its answer too (middleware/provisioning-log.ts).
//  - A successful read's row waits in this isolate's buffer and goes with its neighbours in one
//    statement from ctx.waitUntil, at most FLUSH_MS after it came (when its window closes) or at
//    FLUSH_ROWS rows: the answer never waits for it. The request holding a window's flush keeps
//    running (waitUntil) until the write is done, so only a crash of the isolate itself (not a
//    writer reset) loses buffered rows.

/** A row to write: the stored columns, and the tenant it belongs to. */
export type LogRow = StoredRequest & { tenant: string };

/**
 * What a user write needs to record the request's row itself (migrations/0015): the row as the Worker
 * would write it, but for the resource id and the duration, which only the write gives; `elapsedMs`
 * is the Worker's time before the writer call.
 */
export interface WriteLog {
  row: Omit<LogRow, "resourceId" | "durationMs">;
  elapsedMs: number;
}

/** The "log" member of a user's pending_event: what the triggers cannot take from the row itself (tenant, resource id). */
export function pendingLog(log: { entry: WriteLog; received: number } | undefined) {
  if (!log) return undefined;
  const { row, elapsedMs } = log.entry;
  return {
    id: row.id,
    time: row.time,
    method: row.method,
    path: row.path,
    status: row.status,
    durationMs: elapsedMs + Date.now() - log.received,
    credentialKind: row.credentialKind,
    credentialId: row.credentialId,
    correlationId: row.correlationId,
  };
}

const FLUSH_MS = 200;
const FLUSH_ROWS = 100;

const ID_RANDOM = 2 ** 40;

/**
 * Sortable within a tenant and unique: the time, then 40 random bits for requests of the same
 * millisecond. Math.random is enough: the bits keep ids apart, they guard no secret.
 */
export function logId(time: string): string {
  return `${time}-${Math.floor(Math.random() * ID_RANDOM)
    .toString(16)
    .padStart(10, "0")}`;
}

const field = (name: string) => sql.raw(`json_extract(value, '$.${name}')`);

export async function writeRows(db: Database, rows: LogRow[]): Promise<void> {
  if (rows.length === 0) return;
  await db.run(sql`INSERT OR IGNORE INTO request_log (tenant_id, id, time, method, path, status, duration_ms, scim_type, detail,
      resource_id, credential_kind, credential_id, correlation_id, request_body, response_body)
    SELECT r.tenant, r.id, r.time, r.method, r.path, r.status, r.duration_ms, r.scim_type, r.detail, r.resource_id,
      r.credential_kind, r.credential_id, r.correlation_id,
      CASE WHEN s.capture_bodies_until > r.time THEN r.request_body END,
      CASE WHEN s.capture_bodies_until > r.time THEN r.response_body END
    FROM (SELECT ${field("tenant")} AS tenant, ${field("id")} AS id, ${field("time")} AS time, ${field("method")} AS method,
        ${field("path")} AS path, ${field("status")} AS status, ${field("durationMs")} AS duration_ms,
        ${field("scimType")} AS scim_type, ${field("detail")} AS detail, ${field("resourceId")} AS resource_id,
        ${field("credentialKind")} AS credential_kind, ${field("credentialId")} AS credential_id,
        ${field("correlationId")} AS correlation_id, ${field("requestBody")} AS request_body, ${field("responseBody")} AS response_body
      FROM json_each(${JSON.stringify(rows)})) AS r
    JOIN tenants AS t ON t.id = r.tenant
    LEFT JOIN tenant_settings AS s ON s.tenant_id = r.tenant`);
}

function reportLost(error: unknown, rows: number) {
  // The rows are lost to the log, not to Workers Logs: this line carries the count and the cause.
  console.error(JSON.stringify({ level: "error", event: "request_log_write_failed", rows, error: String(error) }));
}

const safely = (db: Database, rows: LogRow[]) => writeRows(db, rows).catch((error) => reportLost(error, rows.length));

let buffer: LogRow[] = [];
// When the pending window's flush is due; undefined when no window is open.
let flushDue: number | undefined;
// The open windows' flushes, so a test counting round trips can wait for the ones still to come.
const pending = new Set<Promise<void>>();

function takeBuffer(): LogRow[] {
  const rows = buffer;
  buffer = [];
  return rows;
}

/**
 * A successful read's (or token request's) row: buffered, and written with the rows around it when
 * its window closes. The request that opens a window holds the window's flush, on a timer and a
 * waitUntil of its own, and the flush takes every row buffered by then; a request that finds a
 * window open only buffers its row, so a burst pays one timer per window, not one per request
 * (bench:profile --pass match: a timer per read cost 0.03-0.06 ms of workerd CPU). No request waits
 * on a promise another made (a promise shared between requests is cancelled with the request that
 * made it); should the opener's own flush be cancelled with it, a window overdue by FLUSH_MS is
 * opened again by the next request, and its flush takes the rows left.
 */
export function recordLater(db: Database, row: LogRow, waitUntil: (work: Promise<unknown>) => void): void {
  buffer.push(row);
  if (buffer.length >= FLUSH_ROWS) {
    waitUntil(safely(db, takeBuffer()));
    return;
  }
  const now = Date.now();
  if (flushDue !== undefined && now < flushDue + FLUSH_MS) return;
  const due = now + FLUSH_MS;
  flushDue = due;
  const flush: Promise<void> = new Promise<void>((resolve) => setTimeout(resolve, FLUSH_MS))
    .then(() => {
      if (flushDue === due) flushDue = undefined;
      if (buffer.length > 0) return safely(db, takeBuffer());
    })
    .finally(() => pending.delete(flush));
  pending.add(flush);
  waitUntil(flush);
}

/** Resolves once the flushes pending so far have run (a test counting round trips starts after it). */
export const settled = async (): Promise<void> => {
  await Promise.all(pending);
};

/** A failed request's row: written now, before its response goes out. */
export const recordNow = (db: Database, row: LogRow): Promise<void> => safely(db, [row]);
