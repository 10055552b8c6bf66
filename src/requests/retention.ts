import { eq, lt } from "drizzle-orm";
import type { Database } from "../db/client.ts";
import { daysBefore, pruneInChunks } from "../db/prune.ts";
import { requestLog, tenantSettings, tenants } from "../db/schema.ts";

// Retention of the provisioning log (README: Provisioning log): the Cron Trigger that prunes the
// change feed drops each tenant's requests older than its retention, in bounded steps.

/** Prunes every tenant's log rows older than its retention at `now`; returns how many went. */
export async function pruneRequestLog(db: Database, defaultDays: number, now: number = Date.now()): Promise<number> {
  const rows = await db
    .select({ tenantId: tenants.id, days: tenantSettings.requestLogRetentionDays })
    .from(tenants)
    .leftJoin(tenantSettings, eq(tenantSettings.tenantId, tenants.id));
  let pruned = 0;
  for (const { tenantId, days } of rows) {
    // Ids start with the request's ISO time: older than the cutoff is an id range.
    const cutoff = daysBefore(now, days ?? defaultDays);
    pruned += await pruneInChunks(db, requestLog, requestLog.id, eq(requestLog.tenantId, tenantId), lt(requestLog.id, cutoff));
  }
  return pruned;
}
