import { and, asc, count, eq, isNotNull, isNull, type SQL, sql } from "drizzle-orm";
import type { StorageMap } from "../scim/filter/compile.ts";
import { type ResourceTypeDef, userResourceType } from "../scim/schema/resource-type.ts";
import type { StoredResource } from "../scim/serialize.ts";
import type { ScimData } from "../scim/validate.ts";
import type { Database, Page } from "./client.ts";
import { leaveAllGroupsStatement } from "./groups.ts";
import { groupMembers, userEmails, users } from "./schema.ts";

// Tenant-scoped queries and write statements for Users. Every function takes the tenant first.

export function userStorage(tenantId: string, type: ResourceTypeDef = userResourceType): StorageMap {
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

type UserRow = typeof users.$inferSelect;

export function toStored(row: UserRow): StoredResource {
  return {
    id: row.id,
    data: JSON.parse(row.data),
    created: row.created,
    lastModified: row.lastModified,
    version: row.version,
  };
}

// A soft-deleted user is gone as far as SCIM is concerned (the SaaS side still has the row).
const live = (tenantId: string) => and(eq(users.tenantId, tenantId), isNull(users.deletedAt));

export async function findUser(db: Database, tenantId: string, id: string): Promise<StoredResource | undefined> {
  const row = await db.query.users.findFirst({ where: and(live(tenantId), eq(users.id, id)) });
  return row && toStored(row);
}

export async function listUsers(db: Database, tenantId: string, filter: SQL | undefined, page: Page) {
  const where = and(live(tenantId), filter);
  // One round trip for the count and the page. Ordered by the primary key: stable, so
  // consecutive pages never overlap.
  const [[{ total }], rows] = await db.batch([
    db.select({ total: count() }).from(users).where(where),
    db.select().from(users).where(where).orderBy(page.order ?? asc(users.id)).limit(page.limit).offset(page.offset),
  ]);
  return { total, resources: rows.map(toStored) };
}

/** The indexed columns derived from a user's canonical data. */
function columnsOf(data: ScimData) {
  return {
    userName: String(data.userName),
    externalId: (data.externalId as string | undefined) ?? null,
    displayName: (data.displayName as string | undefined) ?? null,
    active: (data.active as boolean | undefined) ?? null,
    data: JSON.stringify(data),
  };
}

function emailInserts(db: Database, tenantId: string, userId: string, data: ScimData) {
  const emails = (data.emails as { value?: string; type?: string; primary?: boolean }[] | undefined) ?? [];
  const rows = emails.map((e, position) => ({
      tenantId,
      userId,
      position,
      value: e.value ?? null,
      type: e.type ?? null,
      primary: e.primary ?? null,
    }));
  // D1 binds at most 100 parameters per statement: six columns a row, sixteen rows a statement.
  const statements = [];
  for (let i = 0; i < rows.length; i += 16) statements.push(db.insert(userEmails).values(rows.slice(i, i + 16)));
  return statements;
}

const deleteEmails = (db: Database, tenantId: string, userId: string) =>
  db.delete(userEmails).where(and(eq(userEmails.tenantId, tenantId), eq(userEmails.userId, userId)));

export function insertUserStatements(db: Database, tenantId: string, user: StoredResource, passwordHash: string | null) {
  return [
    db.insert(users).values({
      tenantId,
      id: user.id,
      ...columnsOf(user.data),
      passwordHash,
      created: user.created,
      lastModified: user.lastModified,
      version: user.version,
    }),
    ...emailInserts(db, tenantId, user.id, user.data),
  ];
}

export function updateUserStatements(
  db: Database,
  tenantId: string,
  user: StoredResource,
  passwordHash: string | null | undefined,
) {
  return [
    db
      .update(users)
      .set({
        ...columnsOf(user.data),
        ...(passwordHash !== undefined ? { passwordHash } : {}),
        lastModified: user.lastModified,
        version: user.version,
      })
      .where(and(eq(users.tenantId, tenantId), eq(users.id, user.id))),
    deleteEmails(db, tenantId, user.id),
    ...emailInserts(db, tenantId, user.id, user.data),
  ];
}

export function deleteUserStatements(db: Database, tenantId: string, id: string) {
  return [
    db
      .delete(users)
      .where(and(eq(users.tenantId, tenantId), eq(users.id, id)))
      .returning({ id: users.id }),
    deleteEmails(db, tenantId, id),
    leaveAllGroupsStatement(db, tenantId, id),
  ] as const;
}

/** The soft-deleted user holding a userName, case-insensitively: a re-create restores it. */
export async function findDeletedByUserName(db: Database, tenantId: string, userName: string): Promise<StoredResource | undefined> {
  const row = await db.query.users.findFirst({
    where: and(eq(users.tenantId, tenantId), isNotNull(users.deletedAt), sql`lower(${users.userName}) = lower(${userName})`),
  });
  return row && toStored(row);
}

/**
 * A tenant's soft delete: the user is deactivated, leaves its groups and is hidden from SCIM; its
 * row stays for the SaaS side. The version guard keeps the read-then-write honest.
 */
export function softDeleteUserStatements(db: Database, tenantId: string, user: StoredResource) {
  const now = new Date().toISOString();
  return [
    db
      .update(users)
      .set({ deletedAt: now, active: false, data: JSON.stringify({ ...user.data, active: false }), lastModified: now, version: user.version + 1 })
      .where(and(eq(users.tenantId, tenantId), eq(users.id, user.id), isNull(users.deletedAt)))
      .returning({ id: users.id }),
    leaveAllGroupsStatement(db, tenantId, user.id),
  ] as const;
}

/** Clears the soft-delete mark, in the same batch as the update that restores the user's data. */
export function restoreUserStatement(db: Database, tenantId: string, id: string) {
  return db.update(users).set({ deletedAt: null }).where(and(eq(users.tenantId, tenantId), eq(users.id, id)));
}
