import { and, asc, count, eq, getTableColumns, gt, inArray, isNull, type Placeholder, type SQL, sql } from "drizzle-orm";
import { DrizzleQueryError } from "drizzle-orm/errors";
import { alias } from "drizzle-orm/sqlite-core";
import { isStorageFailure } from "../lib/storage-failure.ts";
import type { StorageMap } from "../scim/filter/compile.ts";
import type { MemberRow } from "../scim/resource-json.ts";
import { groupResourceType, type ResourceTypeDef } from "../scim/schema/resource-type.ts";
import type { StoredResource } from "../scim/serialize.ts";
import type { ScimData } from "../scim/validate.ts";
import { withinStatementLimits } from "./budget.ts";
import { type Database, type ListQuery, listPage, TENANT, totalOver } from "./client.ts";
import { groupMembers, groups, users } from "./schema.ts";
import { dropUniqueValues } from "./unique-values.ts";

// Tenant-scoped queries and write statements for Groups and their member rows.

// D1 binds at most 100 parameters per statement.
const ID_CHUNK = 90;

function chunks<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

const memberColumns: Record<string, SQL> = {
  value: sql`${groupMembers.memberId}`,
  type: sql`${groupMembers.memberType}`,
};

/** `tenantId`: the tenant, or the TENANT placeholder of a list statement. */
export function groupStorage(tenantId: string | Placeholder, type: ResourceTypeDef = groupResourceType): StorageMap {
  return {
    type,
    data: sql`${groups.data}`,
    columns: {
      id: sql`${groups.id}`,
      displayName: sql`${groups.displayName}`,
      externalId: sql`${groups.externalId}`,
      "meta.created": sql`${groups.created}`,
      "meta.lastModified": sql`${groups.lastModified}`,
    },
    sideTables: {
      members: {
        column: (sub) => memberColumns[sub],
        // Starts from the (tenant, member) index: "is u a member of g" is one indexed lookup.
        rowsWhere: (condition) =>
          sql`${groups.id} IN (SELECT ${groupMembers.groupId} FROM ${groupMembers} WHERE ${groupMembers.tenantId} = ${tenantId} AND ${condition})`,
      },
    },
  };
}

type GroupRow = typeof groups.$inferSelect;

export const toStored = (row: GroupRow): StoredResource => ({
  id: row.id,
  data: JSON.parse(row.data),
  created: row.created,
  lastModified: row.lastModified,
  version: row.version,
});

const byId = (tenantId: string, id: string) => and(eq(groups.tenantId, tenantId), eq(groups.id, id));

export async function findGroup(db: Database, tenantId: string, id: string): Promise<StoredResource | undefined> {
  const row = await db.query.groups.findFirst({ where: byId(tenantId, id) });
  return row && toStored(row);
}

const listGroupsStatement = (query: ListQuery) => (db: Database) =>
  db
    .select({ ...getTableColumns(groups), total: totalOver })
    .from(groups)
    .where(and(eq(groups.tenantId, TENANT), query.where))
    .orderBy(query.order ?? asc(groups.id))
    .limit(sql.placeholder("limit"))
    .offset(sql.placeholder("offset"))
    .prepare();

const countGroupsStatement = (query: ListQuery) => (db: Database) =>
  db
    .select({ total: count() })
    .from(groups)
    .where(and(eq(groups.tenantId, TENANT), query.where))
    .prepare();

export async function listGroups(db: Database, tenantId: string, query: ListQuery) {
  const { total, rows } = await listPage(
    db,
    tenantId,
    query,
    { name: "listGroups", build: listGroupsStatement(query) },
    { name: "countGroups", build: countGroupsStatement(query) },
  );
  return { total, resources: rows.map(toStored) };
}

// A member's type and display come from its own row, found by primary key: what the client sent
// as display is never kept (RFC 7643 §4.2, readOnly), and group_members is read from its primary
// key alone (covering: member_type would cost a table lookup per member).
const memberUser = alias(users, "member_user");
const memberGroup = alias(groups, "member_group");
const memberSelection = {
  groupId: groupMembers.groupId,
  memberId: groupMembers.memberId,
  memberType: sql<MemberRow["memberType"]>`CASE WHEN ${memberUser.id} IS NULL THEN 'Group' ELSE 'User' END`,
  display: sql<string | null>`coalesce(${memberUser.displayName}, ${memberGroup.displayName})`,
};

function selectMembers(db: Database, where: SQL | undefined) {
  return db
    .select(memberSelection)
    .from(groupMembers)
    .leftJoin(memberUser, and(eq(memberUser.tenantId, groupMembers.tenantId), eq(memberUser.id, groupMembers.memberId)))
    .leftJoin(
      memberGroup,
      and(isNull(memberUser.id), eq(memberGroup.tenantId, groupMembers.tenantId), eq(memberGroup.id, groupMembers.memberId)),
    )
    .where(where)
    .orderBy(asc(groupMembers.groupId), asc(groupMembers.memberId));
}

/** One page of a group's members in id order, from the primary key; `after` is the last id seen. */
export function memberPage(db: Database, tenantId: string, groupId: string, after: string, limit: number) {
  return selectMembers(
    db,
    and(eq(groupMembers.tenantId, tenantId), eq(groupMembers.groupId, groupId), gt(groupMembers.memberId, after)),
  ).limit(limit);
}

/**
 * The first `limit` members of several groups together, in (group id, member id) order: a list
 * of groups reads its members in one statement, however many groups it has. The ids are one bound
 * JSON array, so a page of 200 groups stays within D1's 100 parameters.
 */
export function firstMembers(db: Database, tenantId: string, groupIds: string[], limit: number) {
  return selectMembers(
    db,
    and(eq(groupMembers.tenantId, tenantId), sql`${groupMembers.groupId} IN (SELECT value FROM json_each(${JSON.stringify(groupIds)}))`),
  ).limit(limit);
}

/**
 * A group and which of `ids` are Users or Groups of the tenant, with their display names, in one
 * round trip: the single writer's only read before a group write.
 */
export async function loadForWrite(db: Database, tenantId: string, groupId: string, ids: string[]) {
  const memberQueries = chunks(ids, ID_CHUNK).flatMap((part) => [
    db
      .select({ id: users.id, display: users.displayName })
      .from(users)
      .where(and(eq(users.tenantId, tenantId), isNull(users.deletedAt), inArray(users.id, part))),
    db
      .select({ id: groups.id, display: groups.displayName })
      .from(groups)
      .where(and(eq(groups.tenantId, tenantId), inArray(groups.id, part))),
  ]);
  const [groupRows, ...results] = await db.batch([db.select().from(groups).where(byId(tenantId, groupId)), ...memberQueries]);
  const found = new Map<string, MemberRow>();
  results.forEach((rows, i) => {
    for (const { id, display } of rows as { id: string; display: string | null }[]) {
      found.set(id, { memberId: id, memberType: i % 2 === 0 ? "User" : "Group", display });
    }
  });
  const row = (groupRows as GroupRow[])[0];
  return { group: row && toStored(row), found };
}

function groupColumns(data: ScimData) {
  return {
    displayName: String(data.displayName),
    externalId: (data.externalId as string | undefined) ?? null,
    data: JSON.stringify(data),
  };
}

export function insertGroupStatement(db: Database, tenantId: string, group: StoredResource) {
  return db.insert(groups).values({
    tenantId,
    id: group.id,
    ...groupColumns(group.data),
    created: group.created,
    lastModified: group.lastModified,
    version: group.version,
  });
}

export function updateGroupStatement(db: Database, tenantId: string, group: StoredResource) {
  return db
    .update(groups)
    .set({ ...groupColumns(group.data), lastModified: group.lastModified, version: group.version })
    .where(byId(tenantId, group.id));
}

/**
 * `ids` (one bound JSON array, however many) beside the tenant's live user (`u`) and group (`g`) of each:
 * `m.key` is the id's place in `ids`, `m.value` the id; `u.id` and `g.id` are null where it is not one.
 */
const memberLookup = (tenant: SQL, ids: string[]) =>
  sql`json_each(${JSON.stringify(ids)}) AS m
    LEFT JOIN ${users} AS u ON u.tenant_id = ${tenant} AND u.id = m.value AND u.deleted_at IS NULL
    LEFT JOIN ${groups} AS g ON u.id IS NULL AND g.tenant_id = ${tenant} AND g.id = m.value`;

/**
 * The ids of `ids` that are live Users or Groups of the tenant, as rows (key: place in `ids`, id,
 * type), read inside the statement that writes them: an unknown id yields no row, so writes nothing.
 */
export const existingMembers = (tenant: SQL, ids: string[]) =>
  sql`(SELECT m.key AS key, m.value AS id, CASE WHEN u.id IS NULL THEN 'Group' ELSE 'User' END AS type
    FROM ${memberLookup(tenant, ids)} WHERE u.id IS NOT NULL OR g.id IS NOT NULL)`;

/** Adding an existing member is not an error (Entra re-sends adds): the primary key absorbs it. */
export function addMembersStatement(db: Database, tenantId: string, groupId: string, ids: string[]) {
  // SQLite needs a WHERE in an INSERT ... SELECT before ON CONFLICT (its parser would take ON for a join's).
  return db
    .insert(groupMembers)
    .select(sql`SELECT ${tenantId}, ${groupId}, e.id, e.type FROM ${existingMembers(sql`${tenantId}`, ids)} AS e WHERE true`)
    .onConflictDoNothing();
}

/**
 * Marks the error the member guard raises. It is bound, never part of the SQL text, so only SQLite
 * evaluating the guard can put it in an error message.
 */
const REFUSED = "scim-edge: group write refused: ";

/**
 * A statement that fails its batch, so that D1 rolls the batch back, unless the group exists and each
 * of `ids` is a live User or Group of the tenant other than the group. SQLite has RAISE only in
 * triggers: json_extract with a path that is no JSON path fails, naming the path. The path depends on
 * the row, so SQLite cannot evaluate it once up front (as it does constant expressions) for no row;
 * it carries the id's length, never the id: a client's text in D1's message could read as a storage
 * failure's ("... Network connection lost") and turn a 400 into a 503 (lib/storage-failure.ts).
 */
export function memberGuardStatement(db: Database, tenantId: string, groupId: string, ids: string[]) {
  return db.select({ refused: sql`json_extract('{}', ${REFUSED} || length(bad.id))` }).from(sql`(
    SELECT m.value AS id FROM ${memberLookup(sql`${tenantId}`, ids)} WHERE (u.id IS NULL AND g.id IS NULL) OR m.value = ${groupId}
    UNION ALL
    SELECT s.value FROM json_each(json_array(${groupId})) AS s
      WHERE NOT EXISTS (SELECT 1 FROM ${groups} WHERE ${groups.tenantId} = ${tenantId} AND ${groups.id} = s.value)
  ) AS bad`);
}

/**
 * Whether a batch failed because its member guard refused it. D1's own error carries SQLite's message;
 * drizzle's wrapper of it is skipped, as it may list the bound values, the marker among them. The
 * guard's path is the only one in a member batch that depends on data, so SQLite's JSON-path error
 * alone also names it: should a D1 release leave the path out of its message, a refused PATCH still
 * takes the read path (and its 400/404) instead of answering 500.
 */
const JSON_PATH_ERROR = /\b(bad )?JSON path\b/i;

export function isMemberGuardRefusal(error: unknown): boolean {
  if (isStorageFailure(error)) return false;
  for (let at = error, depth = 0; at instanceof Error && depth < 5; at = at.cause, depth++) {
    if (at instanceof DrizzleQueryError) continue;
    if (at.message.includes(REFUSED) || JSON_PATH_ERROR.test(at.message)) return true;
  }
  return false;
}

/** The group at its next version, its attributes as they are: a change to its members alone. */
export function touchGroupStatement(db: Database, tenantId: string, groupId: string, lastModified: string) {
  return db
    .update(groups)
    .set({ lastModified, version: sql`${groups.version} + 1` })
    .where(byId(tenantId, groupId))
    .returning();
}

const ofGroup = (tenantId: string, groupId: string) => and(eq(groupMembers.tenantId, tenantId), eq(groupMembers.groupId, groupId));

/** The member rows of `ids` (one bound JSON array, however many). */
export const membersIn = (ids: string[]) => sql`${groupMembers.memberId} IN (SELECT value FROM json_each(${JSON.stringify(ids)}))`;

export function removeMembersWhere(db: Database, tenantId: string, groupId: string, condition: SQL | undefined) {
  const statement = db.delete(groupMembers).where(and(ofGroup(tenantId, groupId), condition));
  // Only a PATCH path's filter makes the condition, and only it can take the statement past D1's bounds.
  return condition ? withinStatementLimits(statement, statement.toSQL()) : statement;
}

/** A deleted user or group leaves every group it was in, in the same batch as its own delete. */
export function leaveAllGroupsStatement(db: Database, tenantId: string, memberId: string) {
  return db.delete(groupMembers).where(and(eq(groupMembers.tenantId, tenantId), eq(groupMembers.memberId, memberId)));
}

export function deleteGroupStatements(db: Database, tenantId: string, id: string) {
  return [
    db.delete(groups).where(byId(tenantId, id)).returning({ id: groups.id }),
    removeMembersWhere(db, tenantId, id, undefined),
    leaveAllGroupsStatement(db, tenantId, id),
    dropUniqueValues(db, tenantId, "Group", id),
  ] as const;
}
