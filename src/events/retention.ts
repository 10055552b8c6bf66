import { eq, lt } from "drizzle-orm";
import type { Database } from "../db/client.ts";
import { daysBefore, pruneInChunks } from "../db/prune.ts";
import { events, tenantEventCounters, tenantSettings } from "../db/schema.ts";

// Retention of the change feed (README: Change feed): the Cron Trigger drops each tenant's events
// older than its retention. The counter is never touched, so seq goes on after everything was pruned.

/** Prunes every tenant's events older than its retention at `now`; returns how many went. */
export async function pruneEvents(db: Database, defaultDays: number, now: number = Date.now()): Promise<number> {
  // Every tenant that ever recorded an event has a counter row, so this finds every tenant with events.
  const tenants = await db
    .select({ tenantId: tenantEventCounters.tenantId, days: tenantSettings.eventRetentionDays })
    .from(tenantEventCounters)
    .leftJoin(tenantSettings, eq(tenantSettings.tenantId, tenantEventCounters.tenantId));
  let pruned = 0;
  for (const { tenantId, days } of tenants) {
    const cutoff = daysBefore(now, days ?? defaultDays);
    pruned += await pruneInChunks(db, events, events.seq, eq(events.tenantId, tenantId), lt(events.time, cutoff));
  }
  return pruned;
}
