import { and, eq, inArray, lt } from "drizzle-orm";
import type { Database } from "../db/client.ts";
import { requestLog, tenantSettings, tenants } from "../db/schema.ts";

// Retention of the provisioning log (README: Provisioning log): the Cron Trigger that prunes the
// change feed drops each tenant's requests older than its retention, in bounded steps.

/** REQUEST_LOG_RETENTION_DAYS, or 14 when unset or not a positive whole number of days. */
export function defaultLogRetentionDays(value: string | undefined): number {
  const days = Number(value);
  return Number.isInteger(days) && days > 0 ? days : 14;
}

const PRUNE_CHUNK = 10_000;
const DAY_MS = 86_400_000;

/** Prunes every tenant's log rows older than its retention at `now`; returns how many went. */
export async function pruneRequestLog(db: Database, defaultDays: number, now: number = Date.now()): Promise<number> {
  const rows = await db
    .select({ tenantId: tenants.id, days: tenantSettings.requestLogRetentionDays })
    .from(tenants)
    .leftJoin(tenantSettings, eq(tenantSettings.tenantId, tenants.id));
  let pruned = 0;
  for (const { tenantId, days } of rows) {
    // Ids start with the request's ISO time: older than the cutoff is an id range.
    const cutoff = new Date(now - (days ?? defaultDays) * DAY_MS).toISOString();
    for (;;) {
      const oldest = db
        .select({ id: requestLog.id })
        .from(requestLog)
        .where(and(eq(requestLog.tenantId, tenantId), lt(requestLog.id, cutoff)))
        .limit(PRUNE_CHUNK);
      const { meta } = await db
        .delete(requestLog)
        .where(and(eq(requestLog.tenantId, tenantId), inArray(requestLog.id, oldest)))
        .run();
      pruned += meta.changes;
      if (meta.changes < PRUNE_CHUNK) break;
    }
  }
  return pruned;
}
