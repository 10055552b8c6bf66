import { and, eq, lt, sql } from "drizzle-orm";
import type { Database } from "../db/client.ts";
import { daysBefore, pruneInChunks } from "../db/prune.ts";
import { tenantEventCounters, webhookDeliveries, webhookEndpoints } from "../db/schema.ts";

// The cron's share of webhooks (src/index.ts scheduled): the delivery log's 7 days, and a pass for
// every tenant with an endpoint behind its feed, so an alarm that was lost (storage failure, its
// retries spent) or never armed (an endpoint changed by the CLI) costs at most one cron period.

const LOG_DAYS = 7;

/** Drops every endpoint's log entries older than 7 days at `now`; returns how many went. */
export async function pruneDeliveries(db: Database, now: number = Date.now()): Promise<number> {
  const cutoff = daysBefore(now, LOG_DAYS);
  const endpoints = await db.select({ tenantId: webhookEndpoints.tenantId, id: webhookEndpoints.id }).from(webhookEndpoints);
  let pruned = 0;
  for (const { tenantId, id } of endpoints) {
    const ofEndpoint = and(eq(webhookDeliveries.tenantId, tenantId), eq(webhookDeliveries.endpointId, id));
    pruned += await pruneInChunks(db, webhookDeliveries, webhookDeliveries.attempt, ofEndpoint, lt(webhookDeliveries.time, cutoff));
  }
  return pruned;
}

/** Tenants with an active endpoint whose position is behind the tenant's last seq. */
export async function tenantsBehind(db: Database): Promise<string[]> {
  const rows = await db
    .selectDistinct({ tenantId: webhookEndpoints.tenantId })
    .from(webhookEndpoints)
    .innerJoin(tenantEventCounters, eq(tenantEventCounters.tenantId, webhookEndpoints.tenantId))
    .where(and(eq(webhookEndpoints.status, "active"), sql`${webhookEndpoints.position} < ${tenantEventCounters.lastSeq}`));
  return rows.map((r) => r.tenantId);
}
