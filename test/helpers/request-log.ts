import { env } from "cloudflare:test";
import { vi } from "vitest";

// The provisioning log's rows as stored, for tests that check what was recorded.

export interface StoredLogRow {
  tenant_id: string;
  id: string;
  time: string;
  method: string;
  path: string;
  status: number;
  duration_ms: number;
  scim_type: string | null;
  detail: string | null;
  resource_id: string | null;
  credential_kind: string;
  credential_id: string | null;
  correlation_id: string | null;
  request_body: string | null;
  response_body: string | null;
}

export async function logRows(tenant: string): Promise<StoredLogRow[]> {
  const { results } = await env.DB.prepare("SELECT * FROM request_log WHERE tenant_id = ? ORDER BY id").bind(tenant).all<StoredLogRow>();
  return results;
}

/** The tenant's rows once there are `count` of them: successful requests' rows are written after the answer. */
export async function awaitLogRows(tenant: string, count: number): Promise<StoredLogRow[]> {
  return vi.waitFor(
    async () => {
      const rows = await logRows(tenant);
      if (rows.length < count) throw new Error(`${rows.length} of ${count} rows so far`);
      return rows;
    },
    { timeout: 5000, interval: 50 },
  );
}

/** Turns a tenant's body capture on until `until` (the column `settings set --capture-bodies` writes). */
export async function captureBodiesUntil(tenant: string, until: Date | null) {
  await env.DB.prepare(
    `INSERT INTO tenant_settings (tenant_id, allowed_domains, delete_mode, groups_enabled, capture_bodies_until, updated_at)
     VALUES (?, '[]', 'hard', 1, ?, ?) ON CONFLICT (tenant_id) DO UPDATE SET capture_bodies_until = excluded.capture_bodies_until`,
  )
    .bind(tenant, until?.toISOString() ?? null, new Date().toISOString())
    .run();
}

/** Stored rows in the table's exact shape, at the given times, for filter, health and retention tests. */
export async function seedLogRows(tenant: string, rows: { time: Date; status: number; scimType?: string | null; durationMs?: number }[]) {
  await env.DB.batch(
    rows.map((r, i) =>
      env.DB.prepare(
        `INSERT INTO request_log (tenant_id, id, time, method, path, status, duration_ms, scim_type, detail, resource_id, credential_kind, credential_id, correlation_id)
         VALUES (?, ?, ?, 'GET', '/scim/v2/Users', ?, ?, ?, NULL, NULL, 'secret_token', 'abc', NULL)`,
      ).bind(
        tenant,
        `${r.time.toISOString()}-${i.toString(16).padStart(10, "0")}`,
        r.time.toISOString(),
        r.status,
        r.durationMs ?? 5,
        r.scimType ?? null,
      ),
    ),
  );
}
