import { and, asc, count, eq, getTableColumns, isNotNull, isNull, type Placeholder, type SQL, sql } from "drizzle-orm";
import type { StorageMap } from "../scim/filter/compile.ts";
import { type ResourceTypeDef, userResourceType } from "../scim/schema/resource-type.ts";
import type { Membership, StoredResource } from "../scim/serialize.ts";
import type { ScimData } from "../scim/validate.ts";
import { pendingUserEvent } from "../events/record.ts";
import type { pendingLog } from "../requests/record.ts";
import { type Statement, type Database, type ListQuery, listPage, runPreparedBatch, TENANT, totalOver } from "./client.ts";
import { leaveAllGroupsStatement } from "./groups.ts";
import { prepared } from "./prepared.ts";
import { groupMembers, userEmails, users } from "./schema.ts";
import { dropUniqueValues } from "./unique-values.ts";

// Tenant-scoped queries and write statements for Users. Every function takes the tenant first.

/** `tenantId`: the tenant, or the TENANT placeholder of a list statement. */
export function userStorage(tenantId: string | Placeholder, type: ResourceTypeDef = userResourceType): StorageMap {
  return {
    type,
    data: sql`${users.data}`,
    columns: {
      id: sql`${users.id}`,
      userName: sql`${users.userName}`,
      externalId: sql`${users.externalId}`,
      displayName: sql`${users.displayName}`,
      active: sql`${users.active}`,
      "meta.created": sql`${users.created}`,
      "meta.lastModified": sql`${users.lastModified}`,
    },
    sideTables: {
      groups: {
        column: (sub) => (sub === "value" ? sql`${groupMembers.groupId}` : undefined),
        rowsWhere: (condition) =>
          sql`${users.id} IN (SELECT ${groupMembers.memberId} FROM ${groupMembers} WHERE ${groupMembers.tenantId} = ${tenantId} AND ${condition})`,
      },
      emails: {
        column(sub) {
          if (sub === "value") return sql`${userEmails.value}`;
          if (sub === "type") return sql`${userEmails.type}`;
          if (sub === "primary") return sql`${userEmails.primary}`;
          return undefined;
        },
        // IN (subquery) lets SQLite start from the email index instead of scanning the tenant's users.
        rowsWhere: (condition) =>
          sql`${users.id} IN (SELECT ${userEmails.userId} FROM ${userEmails} WHERE ${userEmails.tenantId} = ${tenantId} AND ${condition})`,
      },
    },
  };
}

// A user's groups as one JSON column of its own row: a correlated subquery on the covering
// (tenant, member, group) index, so a read of users and their groups is one statement.
// Spelled out with aliases: drizzle leaves column names unqualified in a one-table select.
const membershipsJson = sql<string>`(SELECT json_group_array(json_object('groupId', gm.group_id, 'display', g.display_name))
  FROM group_members AS gm JOIN groups AS g ON g.tenant_id = gm.tenant_id AND g.id = gm.group_id
  WHERE gm.tenant_id = "users"."tenant_id" AND gm.member_id = "users"."id")`;

// pending_event is for the event triggers alone (migrations/0011): reads leave it out.
const { pendingEvent: _pendingEvent, ...userColumns } = getTableColumns(users);
export { userColumns };
const columns = { ...userColumns, memberships: membershipsJson };

type UserRow = Omit<typeof users.$inferSelect, "pendingEvent"> & { memberships?: string | null };

export function toStored(row: UserRow): StoredResource {
  return {
    id: row.id,
    data: JSON.parse(row.data),
    created: row.created,
    lastModified: row.lastModified,
    version: row.version,
    ...(row.memberships ? { memberships: JSON.parse(row.memberships) } : {}),
  };
}

const param = sql.placeholder;

// A soft-deleted user is gone as far as SCIM is concerned (the SaaS side still has the row).
const liveIn = (tenant: string | Placeholder) => and(eq(users.tenantId, tenant), isNull(users.deletedAt));

/** A write statement's values: placeholders, filled on each call of its prepared batch. */
type Values = (name: string) => SQL;
const bound: Values = (name) => sql`${param(name)}`;

/** The event a user write records: triggers record it from the row the write stores (migrations/0011). */
export interface UserEvent {
  type: "user.created" | "user.updated";
  previous?: Record<string, unknown>;
  extra?: Record<string, unknown>;
  /** The request's provisioning-log row (requests/record.ts pendingLog), inserted by the same triggers. */
  log?: ReturnType<typeof pendingLog>;
}

const findUserStatement = (db: Database) =>
  db
    .select(columns)
    .from(users)
    .where(and(liveIn(TENANT), eq(users.id, param("id"))))
    .prepare();

/** A user with its groups, as SCIM sees it (soft-deleted users are not found). */
export async function findUser(db: Database, tenantId: string, id: string): Promise<StoredResource | undefined> {
  const [row] = await prepared(db, "findUser", findUserStatement).all({ tenantId, id });
  return row && toStored(row);
}

// The ids as one JSON array: one bound parameter however many, and one prepared statement.
const usersByIdStatement = (db: Database) =>
  db
    .select(userColumns)
    .from(users)
    .where(and(liveIn(TENANT), sql`${users.id} IN (SELECT value FROM json_each(${param("ids")}))`))
    .prepare();

/** Live users among `ids`, each with its data as stored (no groups): what the writer remembers of a user. */
export async function findUsersById(db: Database, tenantId: string, ids: string[]): Promise<{ user: StoredResource; json: string }[]> {
  const rows = await prepared(db, "usersById", usersByIdStatement).all({ tenantId, ids: JSON.stringify(ids) });
  return rows.map((row) => ({ user: toStored(row), json: row.data }));
}

const listUsersStatement = (query: ListQuery, withGroups: boolean) => (db: Database) =>
  db
    .select({ ...(withGroups ? columns : userColumns), total: totalOver })
    .from(users)
    .where(and(liveIn(TENANT), query.where))
    // Ordered by the primary key unless sortBy says otherwise: stable, so pages never overlap.
    .orderBy(query.order ?? asc(users.id))
    .limit(param("limit"))
    .offset(param("offset"))
    .prepare();

const countUsersStatement = (query: ListQuery) => (db: Database) =>
  db
    .select({ total: count() })
    .from(users)
    .where(and(liveIn(TENANT), query.where))
    .prepare();

/** `withGroups`: read each user's groups in the same statement (skipped when the response drops them). */
export async function listUsers(db: Database, tenantId: string, query: ListQuery, withGroups = true) {
  const { total, rows } = await listPage(
    db,
    tenantId,
    query,
    { name: `listUsers:${withGroups}`, build: listUsersStatement(query, withGroups) },
    { name: "countUsers", build: countUsersStatement(query) },
  );
  return { total, resources: (rows as UserRow[]).map(toStored) };
}

/**
 * The indexed columns derived from a user's canonical data, and `json`, the data as stored
 * (user_emails follows by trigger: migrations/0007).
 */
function columnsOf(data: ScimData, json: string) {
  const active = data.active as boolean | undefined;
  return {
    userName: String(data.userName),
    externalId: (data.externalId as string | undefined) ?? null,
    displayName: (data.displayName as string | undefined) ?? null,
    // Placeholders skip the column's boolean mapping: bound as SQLite's 1/0.
    active: active === undefined ? null : Number(active),
    data: json,
  };
}

const dataColumns = (v: Values) => ({
  userName: v("userName"),
  externalId: v("externalId"),
  displayName: v("displayName"),
  active: v("active"),
  data: v("data"),
  lastModified: v("lastModified"),
  version: v("version"),
  pendingEvent: v("pendingEvent"),
});

const insertUserQuery = (db: Database, v: Values) =>
  db.insert(users).values({
    tenantId: v("tenantId"),
    id: v("id"),
    passwordHash: v("passwordHash"),
    created: v("created"),
    ...dataColumns(v),
  });

/**
 * Inserts the user and records `event` (by trigger, in the same statement), with `alongside`
 * statements (its unique values) in the same atomic batch. The statement is prepared once per isolate.
 */
export async function insertUser(
  db: Database,
  tenantId: string,
  type: ResourceTypeDef,
  user: StoredResource,
  passwordHash: string | null,
  json: string,
  event: UserEvent,
  alongside: readonly Statement[] = [],
) {
  const values = {
    tenantId,
    id: user.id,
    passwordHash,
    created: user.created,
    lastModified: user.lastModified,
    version: user.version,
    ...columnsOf(user.data, json),
    pendingEvent: pendingUserEvent(type, user.data, event),
  };
  await runPreparedBatch(db, "insertUser", (d) => [insertUserQuery(d, bound)], values, alongside);
}

// Clearing deleted_at makes the same statement restore a soft-deleted user that Entra re-creates.
// It answers with the user's groups, so a PATCH response needs no read after it.
const updateUserQuery = (db: Database, v: Values, withPassword: boolean) =>
  db
    .update(users)
    .set({ ...dataColumns(v), ...(withPassword ? { passwordHash: v("passwordHash") } : {}), deletedAt: null })
    .where(and(eq(users.tenantId, v("tenantId")), eq(users.id, v("id")), eq(users.version, v("expectedVersion"))))
    // Named: the prepared batch answers rows under their SQL column names.
    .returning({ memberships: sql<string | null>`${membershipsJson} AS memberships` });

/**
 * Writes `user` over the version `expectedVersion` of its row and records `event`, and returns the
 * user's groups; or undefined when the row is no longer at that version (or gone): nothing was
 * written or recorded then. `passwordHash` undefined: the password stays as it is. `alongside`: as
 * for insertUser.
 */
export async function updateUser(
  db: Database,
  tenantId: string,
  type: ResourceTypeDef,
  user: StoredResource,
  passwordHash: string | null | undefined,
  json: string,
  expectedVersion: number,
  event: UserEvent,
  alongside: readonly Statement[] = [],
): Promise<Membership[] | undefined> {
  const withPassword = passwordHash !== undefined;
  const values = {
    tenantId,
    id: user.id,
    expectedVersion,
    lastModified: user.lastModified,
    version: user.version,
    ...(withPassword ? { passwordHash } : {}),
    ...columnsOf(user.data, json),
    pendingEvent: pendingUserEvent(type, user.data, event),
  };
  const build = (d: Database) => [updateUserQuery(d, bound, withPassword)];
  const [updated] = await runPreparedBatch(db, withPassword ? "updateUserPassword" : "updateUser", build, values, alongside);
  const [row] = updated.results as { memberships: string | null }[];
  return row && (row.memberships ? JSON.parse(row.memberships) : []);
}

export function deleteUserStatements(db: Database, tenantId: string, id: string) {
  return [
    db
      .delete(users)
      .where(and(eq(users.tenantId, tenantId), eq(users.id, id)))
      .returning({ id: users.id }),
    leaveAllGroupsStatement(db, tenantId, id),
    dropUniqueValues(db, tenantId, "User", id),
  ] as const;
}

/** The soft-deleted user holding a userName, case-insensitively: a re-create restores it. */
export async function findDeletedByUserName(db: Database, tenantId: string, userName: string): Promise<StoredResource | undefined> {
  const [row] = await db
    .select(userColumns)
    .from(users)
    .where(and(eq(users.tenantId, tenantId), isNotNull(users.deletedAt), sql`lower(${users.userName}) = lower(${userName})`));
  return row && toStored(row);
}

/**
 * A tenant's soft delete: the user is deactivated, leaves its groups and is hidden from SCIM; its
 * row stays for the SaaS side. Written from the row itself (no read first), so it is one D1 call;
 * `version`, when If-Match was checked against it, keeps that check true at write time.
 */
export function softDeleteUserStatements(db: Database, tenantId: string, id: string, version?: number) {
  const now = new Date().toISOString();
  return [
    db
      .update(users)
      .set({
        deletedAt: now,
        active: false,
        data: sql`json_set(${users.data}, '$.active', json('false'))`,
        lastModified: now,
        version: sql`${users.version} + 1`,
      })
      .where(
        and(
          eq(users.tenantId, tenantId),
          eq(users.id, id),
          isNull(users.deletedAt),
          version === undefined ? undefined : eq(users.version, version),
        ),
      )
      .returning({ id: users.id }),
    // Only a live user has groups and unique values: for an unknown or already deleted id these change nothing.
    leaveAllGroupsStatement(db, tenantId, id),
    // Hidden from SCIM, so its unique values are free for others; a restoring re-create writes them anew.
    dropUniqueValues(db, tenantId, "User", id),
  ] as const;
}
