import { and, asc, desc, eq, isNotNull, isNull, lt, lte, or, sql } from "drizzle-orm";
import type { Database } from "../db/client.ts";
import { tenantEventCounters, tenants, webhookDeliveries, webhookEndpoints } from "../db/schema.ts";
import type { EventType } from "../events/json.ts";

// The webhook tables' statements for the Worker (admin API, delivery, cron). Every one is scoped by
// tenant. Updates of an endpoint's delivery state are conditional on the state they were computed
// from, so an operator's enable/redeliver landing during a delivery wins over its outcome.

export type EndpointRow = typeof webhookEndpoints.$inferSelect;
export type DeliveryRow = typeof webhookDeliveries.$inferSelect;

const one = (tenant: string, id: string) => and(eq(webhookEndpoints.tenantId, tenant), eq(webhookEndpoints.id, id));

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

export interface NewEndpoint {
  id: string;
  url: string;
  types: readonly EventType[] | null;
  secret: string;
  createdAt: string;
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

/** Active again from its position (enable), or from `position` (redeliver), with a fresh retry schedule. */
export const restartEndpoint = (db: Database, tenant: string, id: string, position?: number) =>
  db
    .update(webhookEndpoints)
    .set({ status: "active", attempts: 0, nextAttemptAt: null, ...(position === undefined ? {} : { position }) })
    .where(one(tenant, id))
    .returning();

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
    // Selected from the endpoint's row, in the table's column order (an INSERT ... SELECT).
    db
      .select({
        tenantId: webhookEndpoints.tenantId,
        endpointId: webhookEndpoints.id,
        attempt: sql<number>`(SELECT coalesce(max(${webhookDeliveries.attempt}), 0) + 1 FROM ${webhookDeliveries}
          WHERE ${webhookDeliveries.tenantId} = ${d.tenantId} AND ${webhookDeliveries.endpointId} = ${d.endpointId})`.as("attempt"),
        seq: sql<number>`${d.seq}`.as("seq"),
        eventId: sql<string | null>`${d.eventId}`.as("event_id"),
        time: sql<string>`${d.time}`.as("time"),
        statusCode: sql<number | null>`${d.statusCode}`.as("status_code"),
        durationMs: sql<number>`${d.durationMs}`.as("duration_ms"),
        error: sql<string | null>`${d.error}`.as("error"),
        responseBody: sql<string | null>`${d.responseBody}`.as("response_body"),
      })
      .from(webhookEndpoints)
      .where(one(d.tenantId, d.endpointId)),
  );

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
