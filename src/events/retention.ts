import { and, eq, inArray, lt } from "drizzle-orm";
import type { Database } from "../db/client.ts";
import { events, tenantEventCounters, tenantSettings } from "../db/schema.ts";

// Retention of the change feed (README: Change feed): the Cron Trigger drops each tenant's events
// older than its retention. The counter is never touched, so seq goes on after everything was pruned.

/** EVENT_RETENTION_DAYS, or 30 when unset or not a positive whole number of days. */
export function defaultRetentionDays(value: string | undefined): number {
  const days = Number(value);
  return Number.isInteger(days) && days > 0 ? days : 30;
}

// Events dropped per statement: a tenant's long backlog goes in bounded steps, not one statement
// that holds D1 for as long as it takes.
const PRUNE_CHUNK = 10_000;
const DAY_MS = 86_400_000;

/** Prunes every tenant's events older than its retention at `now`; returns how many went. */
export async function pruneEvents(db: Database, defaultDays: number, now: number = Date.now()): Promise<number> {
  // Every tenant that ever recorded an event has a counter row, so this finds every tenant with events.
  const tenants = await db
    .select({ tenantId: tenantEventCounters.tenantId, days: tenantSettings.eventRetentionDays })
    .from(tenantEventCounters)
    .leftJoin(tenantSettings, eq(tenantSettings.tenantId, tenantEventCounters.tenantId));
  let pruned = 0;
  for (const { tenantId, days } of tenants) {
    // Event times are toISOString's form (events/record.ts), so they compare as text.
    const cutoff = new Date(now - (days ?? defaultDays) * DAY_MS).toISOString();
    for (;;) {
      const oldest = db
        .select({ seq: events.seq })
        .from(events)
        .where(and(eq(events.tenantId, tenantId), lt(events.time, cutoff)))
        .limit(PRUNE_CHUNK);
      const { meta } = await db
        .delete(events)
        .where(and(eq(events.tenantId, tenantId), inArray(events.seq, oldest)))
        .run();
      pruned += meta.changes;
      if (meta.changes < PRUNE_CHUNK) break;
    }
  }
  return pruned;
}
