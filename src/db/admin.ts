import { and, asc, eq, gt, isNull, type SQL, sql } from "drizzle-orm";
import { ALL_TENANTS } from "../lib/admin-keys.ts";
import type { StoredResource } from "../scim/serialize.ts";
import type { Database } from "./client.ts";
import { toStored as groupToStored } from "./groups.ts";
import { adminKeys, groups, tenantEventCounters, tenants, users } from "./schema.ts";
import { userColumns, toStored as userToStored } from "./users.ts";

// The admin API's reads (src/admin): keys, tenants with their feed position, and the snapshot's
// keyset pages. Each tenant's reads are scoped by tenant like every other query.

/** The scope of a live (unrevoked) key, by the SHA-256 of the key. */
export async function adminKeyScope(db: Database, keyHash: string): Promise<string | null> {
  const [row] = await db
    .select({ scope: adminKeys.scope })
    .from(adminKeys)
    .where(and(eq(adminKeys.keyHash, keyHash), isNull(adminKeys.revokedAt)));
  return row?.scope ?? null;
}

export interface TenantState {
  id: string;
  createdAt: string;
  /** The seq of the tenant's last committed event; 0 before its first. */
  lastSeq: number;
}

const tenantStates = (db: Database, where: SQL | undefined) =>
  db
    .select({ id: tenants.id, createdAt: tenants.createdAt, lastSeq: sql<number>`coalesce(${tenantEventCounters.lastSeq}, 0)` })
    .from(tenants)
    .leftJoin(tenantEventCounters, eq(tenantEventCounters.tenantId, tenants.id))
    .where(where)
    .orderBy(asc(tenants.id));

/** Every tenant a key of `scope` may see. */
export const tenantsInScope = (db: Database, scope: string): Promise<TenantState[]> =>
  tenantStates(db, scope === ALL_TENANTS ? undefined : eq(tenants.id, scope));

/** One tenant's row and feed position, as a statement to batch with the read it dates. */
export const tenantState = (db: Database, tenant: string) => tenantStates(db, eq(tenants.id, tenant));

/** One page of live users (as SCIM sees them) after the id `after`, by id; `limit` + 1 tells if more follow. */
export const userRows = (db: Database, tenant: string, after: string, limit: number, id?: string) =>
  db
    .select(userColumns)
    .from(users)
    .where(and(eq(users.tenantId, tenant), isNull(users.deletedAt), id === undefined ? gt(users.id, after) : eq(users.id, id)))
    .orderBy(asc(users.id))
    .limit(limit);

export const groupRows = (db: Database, tenant: string, after: string, limit: number, id?: string) =>
  db
    .select()
    .from(groups)
    .where(and(eq(groups.tenantId, tenant), id === undefined ? gt(groups.id, after) : eq(groups.id, id)))
    .orderBy(asc(groups.id))
    .limit(limit);

export const usersStored = (rows: (typeof users.$inferSelect)[]): StoredResource[] => rows.map(userToStored);
export const groupsStored = (rows: (typeof groups.$inferSelect)[]): StoredResource[] => rows.map(groupToStored);
