import { and, asc, eq, gt, sql } from "drizzle-orm";
import type { Database } from "../db/client.ts";
import { events, tenantEventCounters } from "../db/schema.ts";
import { type EventType, type FeedEvent, toEvent } from "./json.ts";

// The change feed as its readers see it (README: Change feed). Readers read D1, never the writer.

export { EVENT_TYPES, type EventType, type FeedEvent, toEvent } from "./json.ts";

export interface EventQuery {
  /** Events with a seq above this one. */
  after: number;
  limit: number;
  /** Only these types; all when absent. */
  types?: readonly EventType[];
}

/** The rows of a tenant's events after `after`, ascending by seq, as a statement to batch. */
export function eventRows(db: Database, tenant: string, query: EventQuery) {
  // The types travel as one bound JSON array, so any number of them costs one parameter.
  const ofTypes = query.types && sql`${events.type} IN (SELECT value FROM json_each(${JSON.stringify(query.types)}))`;
  return db
    .select()
    .from(events)
    .where(and(eq(events.tenantId, tenant), gt(events.seq, query.after), ofTypes))
    .orderBy(asc(events.seq))
    .limit(query.limit);
}

/** A tenant's events after `after`, ascending by seq, in one statement. */
export async function readEvents(db: Database, tenant: string, query: EventQuery): Promise<FeedEvent[]> {
  return (await eventRows(db, tenant, query)).map(toEvent);
}

/** The counter's row, as a statement to batch with the read it dates. */
export const lastSeqRow = (db: Database, tenant: string) =>
  db.select({ lastSeq: tenantEventCounters.lastSeq }).from(tenantEventCounters).where(eq(tenantEventCounters.tenantId, tenant));

/** The seq of the tenant's last committed event; 0 before its first. Pruning never lowers it. */
export async function lastSeq(db: Database, tenant: string): Promise<number> {
  const [row] = await lastSeqRow(db, tenant);
  return row?.lastSeq ?? 0;
}

/**
 * The lowest seq still stored. When retention has pruned every event it is lastSeq + 1 (1 for a
 * tenant without events), so a cursor `after` has lost events exactly when after < oldest - 1.
 */
export async function oldestRetainedSeq(db: Database, tenant: string): Promise<number> {
  const [row] = await db.all<{ oldest: number }>(
    sql`SELECT coalesce(
      (SELECT min(${events.seq}) FROM ${events} WHERE ${events.tenantId} = ${tenant}),
      (SELECT ${tenantEventCounters.lastSeq} + 1 FROM ${tenantEventCounters} WHERE ${tenantEventCounters.tenantId} = ${tenant}),
      1) AS oldest`,
  );
  return row.oldest;
}
