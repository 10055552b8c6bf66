// The feed statements of `events`, for `wrangler d1 execute` (no bound parameters): the tenant and
// the types passed the argument checks, and pass a pattern here again (cli/sql.ts).

import { TENANT_NAME } from "../../lib/token-store.ts";
import { literal } from "../sql.ts";

export interface FeedStateRow {
  last_seq: number;
  /** The lowest seq retention kept; null when none is stored. */
  oldest: number | null;
}

const EVENT_TYPE = /^[a-z]+\.[a-z_]+$/;

export const selectFeedState = (tenant: string) => {
  const t = literal(tenant, TENANT_NAME, "tenant name");
  return `SELECT coalesce(c.last_seq, 0) AS last_seq, (SELECT min(seq) FROM events WHERE tenant_id = ${t}) AS oldest
    FROM tenants AS t LEFT JOIN tenant_event_counters AS c ON c.tenant_id = t.id WHERE t.id = ${t}`;
};

/** Rows in the shape events/read.ts's toEvent takes. */
export function selectEvents(tenant: string, after: number, types: readonly string[] | undefined, limit: number): string {
  if (!Number.isSafeInteger(after) || !Number.isSafeInteger(limit)) throw new Error("refusing a non-integer seq or limit in SQL");
  const ofTypes = types ? ` AND type IN (${types.map((type) => literal(type, EVENT_TYPE, "event type")).join(", ")})` : "";
  return `SELECT tenant_id AS tenantId, seq, id, type, time, resource_type AS resourceType, resource_id AS resourceId, data, previous, extra
    FROM events WHERE tenant_id = ${literal(tenant, TENANT_NAME, "tenant name")} AND seq > ${after}${ofTypes} ORDER BY seq LIMIT ${limit}`;
}
