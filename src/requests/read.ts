import { and, desc, eq, gte, lt, type SQL, sql } from "drizzle-orm";
import type { Database } from "../db/client.ts";
import { requestLog, tenants } from "../db/schema.ts";
import { ALL_TENANTS } from "../lib/admin-keys.ts";
import { type LoggedRequest, toLogged } from "./logged.ts";
import { verdictOf } from "./verdict.ts";

// Reading the provisioning log: the admin API, the CLI's JSON and the console render these shapes
// (the contract of issue 17). Every query is one tenant's, on the primary key (tenant_id, id) or the
// (tenant_id, status, id) index of failures; ids start with the request's ISO time, so a time bound
// is an id bound.

export type { Credential, CredentialKind, LoggedRequest } from "./logged.ts";

export interface RequestQuery {
  status?: string;
  since?: string;
  until?: string;
  limit: number;
  cursor?: string;
}

export interface HealthWindow {
  requests: number;
  failures: number;
  failureRatio: number;
  byStatus: Record<string, number>;
  byScimType: Record<string, number>;
  p50Ms: number | null;
  p95Ms: number | null;
  lastRequestAt: string | null;
}
export type Verdict = "healthy" | "at_risk" | "likely_quarantined" | "idle";
export interface Health {
  verdict: Verdict;
  summary: string;
  last24h: HealthWindow;
  last7d: HealthWindow;
}

export interface HourBucket {
  hour: string;
  requests: number;
  failures: number;
}

export interface FailureGroup {
  reason: string;
  count: number;
  latest: LoggedRequest[];
}

const HOUR_MS = 3_600_000;
const FAILED = 400;
// The condition of the partial index request_log_tenant_status (db/schema.ts), written as the index
// writes it: SQLite uses a partial index only for a query that names its WHERE term, with the literal
// (a bound 400 would not match).
const failedSql = sql.raw(`"request_log"."status" >= ${FAILED}`);

/** "4xx", "5xx" or a status code as the inclusive range it means; null when it is none of these. */
export function statusRange(status: string): [number, number] | null {
  const kind = /^([45])xx$/i.exec(status);
  if (kind) return [Number(kind[1]) * 100, Number(kind[1]) * 100 + 99];
  return /^[1-5]\d\d$/.test(status) ? [Number(status), Number(status)] : null;
}

/**
 * The statement of listRequests, apart so its plan can be checked: failures from the index of
 * failures, any other status by scanning the tenant's primary key range newest first.
 */
export function listRequestsQuery(db: Database, tenant: string, q: RequestQuery) {
  const conditions: (SQL | undefined)[] = [eq(requestLog.tenantId, tenant)];
  if (q.status !== undefined) {
    const range = statusRange(q.status);
    if (range === null) throw new RangeError(`status filter "${q.status}" is not 4xx, 5xx or a status code`);
    if (range[0] >= FAILED) conditions.push(failedSql);
    conditions.push(sql`${requestLog.status} BETWEEN ${range[0]} AND ${range[1]}`);
  }
  if (q.since !== undefined) conditions.push(gte(requestLog.id, q.since));
  if (q.until !== undefined) conditions.push(lt(requestLog.id, q.until));
  if (q.cursor !== undefined) conditions.push(lt(requestLog.id, q.cursor));
  return db
    .select()
    .from(requestLog)
    .where(and(...conditions))
    .orderBy(desc(requestLog.id))
    .limit(q.limit + 1);
}

/** Newest first; nextCursor continues after the last request returned. */
export async function listRequests(
  db: Database,
  tenant: string,
  q: RequestQuery,
): Promise<{ requests: LoggedRequest[]; nextCursor: string | null }> {
  const rows = await listRequestsQuery(db, tenant, q);
  const page = rows.slice(0, q.limit);
  return { requests: page.map(toLogged), nextCursor: rows.length > q.limit ? (page.at(-1)?.id ?? null) : null };
}

/** The statement of resourceRequests, apart so its plan can be checked: the (tenant_id, resource_id, id) index, no sort. */
export const resourceRequestsQuery = (db: Database, tenant: string, resourceId: string, limit: number) =>
  db
    .select()
    .from(requestLog)
    .where(and(eq(requestLog.tenantId, tenant), eq(requestLog.resourceId, resourceId)))
    .orderBy(desc(requestLog.id))
    .limit(limit);

/** The requests that touched one resource, newest first: what Entra sent for it and what it got back. */
export async function resourceRequests(db: Database, tenant: string, resourceId: string, limit: number): Promise<LoggedRequest[]> {
  return (await resourceRequestsQuery(db, tenant, resourceId, limit)).map(toLogged);
}

/** The value below which `share` of the durations fall, from (duration, count) pairs sorted by duration. */
function percentile(histogram: { ms: number; n: number }[], total: number, share: number): number | null {
  if (total === 0) return null;
  const rank = Math.ceil(share * total);
  let seen = 0;
  for (const { ms, n } of histogram) {
    seen += n;
    if (seen >= rank) return ms;
  }
  return histogram.at(-1)?.ms ?? null;
}

function windowQueries(db: Database, tenant: string, since: string) {
  const inWindow = and(eq(requestLog.tenantId, tenant), gte(requestLog.id, since));
  const failed = and(inWindow, failedSql);
  return [
    db
      .select({
        requests: sql<number>`count(*)`,
        failures: sql<number>`coalesce(sum(${requestLog.status} >= ${FAILED}), 0)`,
        last: sql<string | null>`max(${requestLog.time})`,
      })
      .from(requestLog)
      .where(inWindow),
    db
      .select({ key: sql<string>`cast(${requestLog.status} AS TEXT)`, n: sql<number>`count(*)` })
      .from(requestLog)
      .where(failed)
      .groupBy(requestLog.status),
    db
      .select({ key: sql<string>`coalesce(${requestLog.scimType}, 'none')`, n: sql<number>`count(*)` })
      .from(requestLog)
      .where(failed)
      .groupBy(sql`1`),
    // Durations are whole milliseconds with few distinct values: D1 returns a histogram, not the rows.
    db
      .select({ ms: requestLog.durationMs, n: sql<number>`count(*)` })
      .from(requestLog)
      .where(inWindow)
      .groupBy(requestLog.durationMs)
      .orderBy(requestLog.durationMs),
  ] as const;
}

type WindowResults = [
  { requests: number; failures: number; last: string | null }[],
  { key: string; n: number }[],
  { key: string; n: number }[],
  { ms: number; n: number }[],
];

function toWindow([[totals], byStatus, byScimType, histogram]: WindowResults): HealthWindow {
  const requests = totals?.requests ?? 0;
  const failures = totals?.failures ?? 0;
  return {
    requests,
    failures,
    failureRatio: requests === 0 ? 0 : failures / requests,
    byStatus: Object.fromEntries(byStatus.map((r) => [r.key, r.n])),
    byScimType: Object.fromEntries(byScimType.map((r) => [r.key, r.n])),
    p50Ms: percentile(histogram, requests, 0.5),
    p95Ms: percentile(histogram, requests, 0.95),
    lastRequestAt: totals?.last ?? null,
  };
}

/** The last 24 h and 7 days, and the verdict against Entra's quarantine rule (requests/verdict.ts): one round trip. */
export async function tenantHealth(db: Database, tenant: string, now: Date): Promise<Health> {
  const dayAgo = new Date(now.getTime() - 24 * HOUR_MS).toISOString();
  const weekAgo = new Date(now.getTime() - 7 * 24 * HOUR_MS).toISOString();
  const ofTenant = eq(requestLog.tenantId, tenant);
  // The run of 401s that ends with the latest request starts after the latest request that was no 401.
  const lastOther = db
    .select({ id: sql`max(${requestLog.id})` })
    .from(requestLog)
    .where(and(ofTenant, sql`${requestLog.status} <> 401`));
  const run = db
    .select({ since: sql<string | null>`min(${requestLog.time})` })
    .from(requestLog)
    .where(and(ofTenant, failedSql, eq(requestLog.status, 401), sql`${requestLog.id} > coalesce((${lastOther}), '')`));
  const [d1, d2, d3, d4, w1, w2, w3, w4, runRows] = await db.batch([
    ...windowQueries(db, tenant, dayAgo),
    ...windowQueries(db, tenant, weekAgo),
    run,
  ]);
  const last24h = toWindow([d1, d2, d3, d4] as WindowResults);
  const last7d = toWindow([w1, w2, w3, w4] as WindowResults);
  const { verdict, summary } = verdictOf({ last24h, last7d, unauthorizedSince: runRows[0]?.since ?? null, now });
  return { verdict, summary, last24h, last7d };
}

/** A tenant's last 24 h as the tenants list shows it, with the verdict. */
export interface TenantActivity {
  verdict: Verdict;
  summary: string;
  requests: number;
  failureRatio: number;
  lastRequestAt: string | null;
}

const counts = (requests: number, failures: number) => ({ requests, failures, failureRatio: requests === 0 ? 0 : failures / requests });

/**
 * Every tenant of `scope` (ALL_TENANTS or one tenant) in one statement: counts over 24 h and 7 days
 * and the run of 401s the verdict needs. A batch of each tenant's health statements would grow with
 * the tenants, and D1 counts every statement of a batch against a Worker invocation's query limit.
 * The join seeks each tenant's 7 days on the primary key; a tenant without any still has its row.
 */
export function tenantsActivityQuery(db: Database, scope: string, now: Date) {
  const dayAgo = new Date(now.getTime() - 24 * HOUR_MS).toISOString();
  const weekAgo = new Date(now.getTime() - 7 * 24 * HOUR_MS).toISOString();
  const inDay = sql`${requestLog.id} >= ${dayAgo}`;
  // Correlated on the outer row's tenant; the inner tables are aliased so the outer name stays the outer row.
  const unauthorizedSince = sql<string | null>`(SELECT min(r.time) FROM request_log r WHERE r.tenant_id = ${requestLog.tenantId}
    AND r.status >= ${sql.raw(String(FAILED))} AND r.status = 401 AND r.id > coalesce((SELECT max(o.id) FROM request_log o WHERE o.tenant_id = ${requestLog.tenantId} AND o.status <> 401), ''))`;
  return db
    .select({
      tenant: tenants.id,
      requests24h: sql<number>`coalesce(sum(${inDay}), 0)`,
      failures24h: sql<number>`coalesce(sum(${inDay} AND ${requestLog.status} >= ${FAILED}), 0)`,
      last24h: sql<string | null>`max(CASE WHEN ${inDay} THEN ${requestLog.time} END)`,
      requests7d: sql<number>`count(${requestLog.id})`,
      failures7d: sql<number>`coalesce(sum(${requestLog.status} >= ${FAILED}), 0)`,
      unauthorizedSince,
    })
    .from(tenants)
    .leftJoin(requestLog, and(eq(requestLog.tenantId, tenants.id), gte(requestLog.id, weekAgo)))
    .where(scope === ALL_TENANTS ? undefined : eq(tenants.id, scope))
    .groupBy(tenants.id);
}

/** By tenant id, every tenant of `scope`. */
export async function tenantsActivity(db: Database, scope: string, now: Date): Promise<Map<string, TenantActivity>> {
  const rows = await tenantsActivityQuery(db, scope, now);
  return new Map(
    rows.map((r) => {
      const last24h = counts(r.requests24h, r.failures24h);
      const { verdict, summary } = verdictOf({
        last24h,
        last7d: counts(r.requests7d, r.failures7d),
        unauthorizedSince: r.unauthorizedSince,
        now,
      });
      return [r.tenant, { verdict, summary, requests: last24h.requests, failureRatio: last24h.failureRatio, lastRequestAt: r.last24h }];
    }),
  );
}

const hourOf = (ms: number) => new Date(Math.floor(ms / HOUR_MS) * HOUR_MS).toISOString();

/** Requests and failures per hour over the last `hours` hours, the current one included; oldest first. */
export async function hourlyCounts(db: Database, tenant: string, now: Date, hours: number): Promise<HourBucket[]> {
  const first = Math.floor(now.getTime() / HOUR_MS) * HOUR_MS - (hours - 1) * HOUR_MS;
  // "2026-11-30T01" of the id: its hour.
  const hour = sql<string>`substr(${requestLog.id}, 1, 13)`;
  const rows = await db
    .select({ hour, requests: sql<number>`count(*)`, failures: sql<number>`coalesce(sum(${requestLog.status} >= ${FAILED}), 0)` })
    .from(requestLog)
    .where(and(eq(requestLog.tenantId, tenant), gte(requestLog.id, new Date(first).toISOString())))
    .groupBy(hour);
  const counted = new Map(rows.map((r) => [r.hour, r]));
  return Array.from({ length: hours }, (_, i) => {
    const start = hourOf(first + i * HOUR_MS);
    const row = counted.get(start.slice(0, 13));
    return { hour: start, requests: row?.requests ?? 0, failures: row?.failures ?? 0 };
  });
}

const STATUS_NAMES: Record<number, string> = {
  400: "bad request",
  401: "unauthorized",
  403: "forbidden",
  404: "not found",
  405: "method not allowed",
  409: "conflict",
  412: "precondition failed",
  413: "payload too large",
  429: "too many requests",
  500: "internal error",
  501: "not implemented",
  503: "unavailable",
};

const reasonOf = (status: number, scimType: string | null) => `${status} ${scimType ?? STATUS_NAMES[status] ?? "error"}`;

/** Failures since `since`, grouped by status and scimType, most frequent first, each with its latest 3. */
export async function failureGroups(db: Database, tenant: string, since: Date): Promise<FailureGroup[]> {
  const failed = and(eq(requestLog.tenantId, tenant), gte(requestLog.id, since.toISOString()), failedSql);
  const rank = sql<number>`row_number() OVER (PARTITION BY ${requestLog.status}, ${requestLog.scimType} ORDER BY ${requestLog.id} DESC)`.as(
    "rank",
  );
  const ranked = db.select({ id: requestLog.id, rank }).from(requestLog).where(failed).as("ranked");
  const [counts, latest] = await db.batch([
    db
      .select({ status: requestLog.status, scimType: requestLog.scimType, count: sql<number>`count(*)` })
      .from(requestLog)
      .where(failed)
      .groupBy(requestLog.status, requestLog.scimType)
      .orderBy(desc(sql`3`)),
    db
      .select({ row: requestLog })
      .from(ranked)
      .innerJoin(requestLog, and(eq(requestLog.tenantId, tenant), eq(requestLog.id, ranked.id)))
      .where(sql`${ranked.rank} <= 3`)
      .orderBy(desc(requestLog.id)),
  ]);
  return counts.map(({ status, scimType, count }) => ({
    reason: reasonOf(status, scimType),
    count,
    latest: latest.filter(({ row }) => row.status === status && row.scimType === scimType).map(({ row }) => toLogged(row)),
  }));
}
