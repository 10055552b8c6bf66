import { sql } from "drizzle-orm";
import { index, integer, primaryKey, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";

// tenant_id leads every key and index: each query is scoped by tenant and can use them.

export const tenants = sqliteTable("tenants", {
  id: text("id").primaryKey(),
  // Hash of the tenant's live Secret Token, so rotate/revoke know which KV key to delete.
  tokenHash: text("token_hash"),
  createdAt: text("created_at").notNull(),
});

export const users = sqliteTable(
  "users",
  {
    tenantId: text("tenant_id").notNull(),
    id: text("id").notNull(),
    userName: text("user_name").notNull(),
    externalId: text("external_id"),
    displayName: text("display_name"),
    active: integer("active", { mode: "boolean" }),
    // The canonical SCIM attributes (core at the top, extensions under their URN); id and meta
    // live in columns and are added when serialising.
    data: text("data").notNull(),
    passwordHash: text("password_hash"),
    created: text("created").notNull(),
    lastModified: text("last_modified").notNull(),
    version: integer("version").notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.tenantId, t.id] }),
    // RFC 7643: userName is caseExact=false and unique per service provider (here: per tenant).
    uniqueIndex("users_tenant_user_name").on(t.tenantId, sql`lower(${t.userName})`),
    index("users_tenant_external_id").on(t.tenantId, t.externalId),
    index("users_tenant_display_name").on(t.tenantId, sql`lower(${t.displayName})`),
  ],
);

// emails is matched by Entra (emails[type eq "work"].value eq ...): a side table makes that an index lookup.
export const userEmails = sqliteTable(
  "user_emails",
  {
    tenantId: text("tenant_id").notNull(),
    userId: text("user_id").notNull(),
    position: integer("position").notNull(),
    value: text("value").notNull(),
    type: text("type"),
    primary: integer("is_primary", { mode: "boolean" }),
  },
  (t) => [
    primaryKey({ columns: [t.tenantId, t.userId, t.position] }),
    index("user_emails_tenant_value").on(t.tenantId, sql`lower(${t.value})`),
  ],
);

export const groups = sqliteTable(
  "groups",
  {
    tenantId: text("tenant_id").notNull(),
    id: text("id").notNull(),
    displayName: text("display_name").notNull(),
    externalId: text("external_id"),
    // Canonical attributes without members: memberships are rows of group_members.
    data: text("data").notNull(),
    created: text("created").notNull(),
    lastModified: text("last_modified").notNull(),
    version: integer("version").notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.tenantId, t.id] }),
    index("groups_tenant_display_name").on(t.tenantId, sql`lower(${t.displayName})`),
    index("groups_tenant_external_id").on(t.tenantId, t.externalId),
  ],
);

// One row per membership, so adding or removing a member of a 100,000-member group touches one row.
export const groupMembers = sqliteTable(
  "group_members",
  {
    tenantId: text("tenant_id").notNull(),
    groupId: text("group_id").notNull(),
    memberId: text("member_id").notNull(),
    memberType: text("member_type", { enum: ["User", "Group"] }).notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.tenantId, t.groupId, t.memberId] }),
    // "Which groups is this member in": Users' groups attribute, member deletes, membership filters.
    // group_id makes it covering; without it SQLite prefers the primary key on tenant_id alone.
    index("group_members_tenant_member").on(t.tenantId, t.memberId, t.groupId),
  ],
);
