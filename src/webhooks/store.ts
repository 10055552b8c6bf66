import { and, asc, desc, eq, isNotNull, isNull, lt, lte, or, type SQL, sql } from "drizzle-orm";
import type { Database } from "../db/client.ts";
import { events, tenantEventCounters, tenants, webhookDeliveries, webhookEndpoints } from "../db/schema.ts";
import type { NewEndpoint } from "./endpoint.ts";

// The webhook tables' statements for the Worker (admin API, delivery, cron). Every one is scoped by
// tenant. Updates of an endpoint's delivery state are conditional on the state they were computed
// from, so an operator's enable/redeliver landing during a delivery wins over its outcome.

export type EndpointRow = typeof webhookEndpoints.$inferSelect;
export type DeliveryRow = typeof webhookDeliveries.$inferSelect;

const one = (tenant: string, id: string) => and(eq(webhookEndpoints.tenantId, tenant), eq(webhookEndpoints.id, id));

/** The number of an endpoint's next log entry (the delivery log's cursor). */
const nextAttempt = (tenant: string, endpoint: string) =>
  sql`(SELECT coalesce(max(${webhookDeliveries.attempt}), 0) + 1 FROM ${webhookDeliveries}
    WHERE ${webhookDeliveries.tenantId} = ${tenant} AND ${webhookDeliveries.endpointId} = ${endpoint})`;

export const endpointsOf = (db: Database, tenant: string) =>
  db
    .select()
    .from(webhookEndpoints)
    .where(eq(webhookEndpoints.tenantId, tenant))
    .orderBy(asc(webhookEndpoints.createdAt), asc(webhookEndpoints.id));

export const endpointOf = (db: Database, tenant: string, id: string) => db.select().from(webhookEndpoints).where(one(tenant, id));

/** The tenant's row, to tell "no such tenant" apart from "no endpoints", batched with the read. */
export const tenantRow = (db: Database, tenant: string) => db.select({ id: tenants.id }).from(tenants).where(eq(tenants.id, tenant));

/** Active endpoints whose next attempt is due at `now`: the delivery pass's work. */
export const dueEndpoints = (db: Database, tenant: string, now: string) =>
  db
    .select()
    .from(webhookEndpoints)
    .where(
      and(
        eq(webhookEndpoints.tenantId, tenant),
        eq(webhookEndpoints.status, "active"),
        or(isNull(webhookEndpoints.nextAttemptAt), lte(webhookEndpoints.nextAttemptAt, now)),
      ),
    );

/**
 * The earliest retry of an active endpoint, if any; it may be past already, when it fell due while
 * another endpoint's POST held the pass.
 */
export async function nextRetryAt(db: Database, tenant: string): Promise<string | null> {
  const [row] = await db
    .select({ at: webhookEndpoints.nextAttemptAt })
    .from(webhookEndpoints)
    .where(and(eq(webhookEndpoints.tenantId, tenant), eq(webhookEndpoints.status, "active"), isNotNull(webhookEndpoints.nextAttemptAt)))
    .orderBy(asc(webhookEndpoints.nextAttemptAt))
    .limit(1);
  return row?.at ?? null;
}

/**
 * Inserts the endpoint only if the tenant exists; it starts at the tenant's current seq, so it gets
 * what commits from now on (redeliver goes back). Inserts nothing past `max` endpoints.
 */
export const insertEndpoint = (db: Database, tenant: string, e: NewEndpoint, max: number) =>
  db.run(sql`INSERT INTO ${webhookEndpoints} (tenant_id, id, url, types, secret, status, position, attempts, created_at)
    SELECT ${tenant}, ${e.id}, ${e.url}, ${e.types === null ? null : JSON.stringify(e.types)}, ${e.secret}, 'active',
      coalesce((SELECT ${tenantEventCounters.lastSeq} FROM ${tenantEventCounters} WHERE ${tenantEventCounters.tenantId} = ${tenant}), 0), 0, ${e.createdAt}
    WHERE EXISTS (SELECT 1 FROM ${tenants} WHERE ${tenants.id} = ${tenant})
      AND (SELECT count(*) FROM ${webhookEndpoints} WHERE ${webhookEndpoints.tenantId} = ${tenant}) < ${max}`);

/** Removes the endpoint and its delivery log. */
export const removeEndpoint = (db: Database, tenant: string, id: string) =>
  db.batch([
    db.delete(webhookEndpoints).where(one(tenant, id)).returning({ id: webhookEndpoints.id }),
    db.delete(webhookDeliveries).where(and(eq(webhookDeliveries.tenantId, tenant), eq(webhookDeliveries.endpointId, id))),
  ]);

export const rotateSecret = (db: Database, tenant: string, id: string, secret: string, previousUntil: string) =>
  db
    .update(webhookEndpoints)
    .set({ secret, previousSecret: sql`${webhookEndpoints.secret}`, previousUntil })
    .where(one(tenant, id))
    .returning();

const lastSeqOf = (tenant: string) =>
  sql`coalesce((SELECT ${tenantEventCounters.lastSeq} FROM ${tenantEventCounters} WHERE ${tenantEventCounters.tenantId} = ${tenant}), 0)`;

/** The seq before the oldest retained event: a position below it has lost events to retention. */
const retainedFloor = (tenant: string) =>
  sql`coalesce((SELECT min(${events.seq}) - 1 FROM ${events} WHERE ${events.tenantId} = ${tenant}), ${lastSeqOf(tenant)})`;

/**
 * Active again with a fresh retry schedule, from its position (enable) or from `position`
 * (redeliver), kept within what can be sent: past the last seq, the endpoint would wait for a seq
 * that was already given out; below the oldest retained event, it resumes there, and its log says
 * which events retention took. One batch: the log entry, then the endpoint.
 */
export function restartEndpoint(db: Database, tenant: string, id: string, at: string, position?: number) {
  const requested = position === undefined ? sql`${webhookEndpoints.position}` : sql.raw(String(Math.trunc(position)));
  const floor = retainedFloor(tenant);
  const gap = sql`'events ' || (${requested} + 1) || '..' || ${floor} || ' were pruned before delivery: resumed from seq ' || (${floor} + 1)`;
  return db.batch([
    db.insert(webhookDeliveries).select(
      db
        .select(logColumns(tenant, id, { seq: sql`${requested} + 1`, time: sql`${at}`, error: gap }))
        .from(webhookEndpoints)
        .where(and(one(tenant, id), sql`${requested} < ${floor}`)),
    ),
    db
      .update(webhookEndpoints)
      .set({ status: "active", attempts: 0, nextAttemptAt: null, position: sql`min(max(${requested}, ${floor}), ${lastSeqOf(tenant)})` })
      .where(one(tenant, id))
      .returning(),
  ]);
}

/** A new delivery-state, applied only if the endpoint still has the state it was computed from. */
export function advance(db: Database, row: EndpointRow, next: Pick<EndpointRow, "position" | "attempts" | "nextAttemptAt" | "status">) {
  return db
    .update(webhookEndpoints)
    .set(next)
    .where(
      and(
        one(row.tenantId, row.id),
        eq(webhookEndpoints.position, row.position),
        eq(webhookEndpoints.attempts, row.attempts),
        eq(webhookEndpoints.status, "active"),
      ),
    )
    .returning({ id: webhookEndpoints.id });
}

export type NewDelivery = Omit<DeliveryRow, "attempt">;

/**
 * Logs an attempt, numbered after the endpoint's last (the delivery log's cursor), unless the
 * endpoint was removed meanwhile: its log went with it, and a late entry would never be pruned.
 */
export const logDelivery = (db: Database, d: NewDelivery) =>
  db.insert(webhookDeliveries).select(
    db
      .select(
        logColumns(d.tenantId, d.endpointId, {
          seq: sql`${d.seq}`,
          eventId: sql`${d.eventId}`,
          time: sql`${d.time}`,
          statusCode: sql`${d.statusCode}`,
          durationMs: sql`${d.durationMs}`,
          error: sql`${d.error}`,
          responseBody: sql`${d.responseBody}`,
        }),
      )
      .from(webhookEndpoints)
      .where(one(d.tenantId, d.endpointId)),
  );

type LogValues = Partial<Record<"eventId" | "statusCode" | "durationMs" | "responseBody", SQL>> & Record<"seq" | "time" | "error", SQL>;

/**
 * A log entry selected from the endpoint's row (an INSERT ... SELECT), in the table's column order,
 * numbered after the endpoint's last entry; a gap entry has no event, status or answer.
 */
const logColumns = (tenant: string, endpoint: string, v: LogValues) => ({
  tenantId: webhookEndpoints.tenantId,
  endpointId: webhookEndpoints.id,
  attempt: sql<number>`${nextAttempt(tenant, endpoint)}`.as("attempt"),
  seq: sql<number>`${v.seq}`.as("seq"),
  eventId: sql<string | null>`${v.eventId ?? sql`NULL`}`.as("event_id"),
  time: sql<string>`${v.time}`.as("time"),
  statusCode: sql<number | null>`${v.statusCode ?? sql`NULL`}`.as("status_code"),
  durationMs: sql<number>`${v.durationMs ?? sql`0`}`.as("duration_ms"),
  error: sql<string | null>`${v.error}`.as("error"),
  responseBody: sql<string | null>`${v.responseBody ?? sql`NULL`}`.as("response_body"),
});

/** The newest attempts first, below the cursor `before` (an attempt number). */
export const deliveriesOf = (db: Database, tenant: string, endpoint: string, limit: number, before?: number) =>
  db
    .select()
    .from(webhookDeliveries)
    .where(
      and(
        eq(webhookDeliveries.tenantId, tenant),
        eq(webhookDeliveries.endpointId, endpoint),
        before === undefined ? undefined : lt(webhookDeliveries.attempt, before),
      ),
    )
    .orderBy(desc(webhookDeliveries.attempt))
    .limit(limit);
