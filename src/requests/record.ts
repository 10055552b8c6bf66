import { sql } from "drizzle-orm";
import type { Database } from "../db/client.ts";
import type { StoredRequest } from "./logged.ts";

// Writing the provisioning log (README: Provisioning log, "Where it lives"). Every row goes through
// one statement that takes the rows as a JSON array (one bound parameter, so D1's 100-parameter limit
// never splits a flush) and joins them to their tenant: a host naming no tenant leaves no row, and
// bodies are kept only while the tenant's capture is on, decided by D1 at the row's own time, so the
// request never reads the setting.
//  - A failed request's row is written before its response is sent: a failure is never lost, and
//    failures are few (a tenant failing often is exactly the one worth its extra round trip).
//  - A successful request's row waits in this isolate's buffer and goes with its neighbours in one
//    statement from ctx.waitUntil, after FLUSH_MS or FLUSH_ROWS rows: the answer never waits for it.
//    Each request's waitUntil holds the flush its row is in, so the runtime keeps the isolate until
//    the row is written; only a crash of the isolate itself (not a writer reset) loses buffered rows.

/** A row to write: the stored columns, and the tenant it belongs to. */
export type LogRow = StoredRequest & { tenant: string };

const FLUSH_MS = 200;
const FLUSH_ROWS = 100;

/** Sortable within a tenant and unique: the time, then random bits for requests of the same millisecond. */
export function logId(time: string): string {
  const random = crypto.getRandomValues(new Uint8Array(5));
  return `${time}-${Array.from(random, (b) => b.toString(16).padStart(2, "0")).join("")}`;
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
let scheduled: Promise<void> | undefined;

function takeBuffer(): LogRow[] {
  const rows = buffer;
  buffer = [];
  return rows;
}

/** A successful request's row: buffered, written from waitUntil with the rows around it. */
export function recordLater(db: Database, row: LogRow, waitUntil: (work: Promise<unknown>) => void): void {
  buffer.push(row);
  if (buffer.length >= FLUSH_ROWS) {
    waitUntil(safely(db, takeBuffer()));
    return;
  }
  scheduled ??= new Promise<void>((resolve) => setTimeout(resolve, FLUSH_MS)).then(() => {
    scheduled = undefined;
    return safely(db, takeBuffer());
  });
  waitUntil(scheduled);
}

/** Resolves once the rows buffered so far are written (a test counting round trips starts after it). */
export const settled = (): Promise<void> => scheduled ?? Promise.resolve();

/** A failed request's row: written now, before its response goes out. */
export const recordNow = (db: Database, row: LogRow): Promise<void> => safely(db, [row]);
