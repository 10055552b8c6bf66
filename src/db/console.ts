import { and, desc, eq, isNull, sql } from "drizzle-orm";
import { type FeedEvent, toEvent } from "../events/json.ts";
import { ALL_TENANTS } from "../lib/admin-keys.ts";
import type { Database } from "./client.ts";
import { adminKeys, events, oauthClientSecrets, tenantSettings, tenants } from "./schema.ts";

// The operator console's reads and writes (src/console), each scoped by tenant.

/** A live admin key's id (who acted, for the console's action log) and scope. */
export async function adminKeyIdentity(db: Database, keyHash: string): Promise<{ id: string; scope: string } | null> {
  const [row] = await db
    .select({ id: adminKeys.id, scope: adminKeys.scope })
    .from(adminKeys)
    .where(and(eq(adminKeys.keyHash, keyHash), isNull(adminKeys.revokedAt)));
  return row ?? null;
}

export interface TenantOverview {
  id: string;
  createdAt: string;
  users: number;
  groups: number;
  secretToken: boolean;
  /** Live secrets of live OAuth clients. */
  oauthSecrets: number;
  federation: boolean;
  entraToken: boolean;
  /** Failed requests' bodies are captured until then; null (or past): off. */
  captureBodiesUntil: string | null;
  /** Days its provisioning log is kept; null: the deployment's REQUEST_LOG_RETENTION_DAYS. */
  requestLogRetentionDays: number | null;
}

// Correlated subqueries spelled out: drizzle renders a column inside a single-table select's fields
// without its table ("tenant_id" = "id"), which would compare the inner row with itself.
const perTenant = {
  users: sql<number>`(SELECT count(*) FROM users u WHERE u.tenant_id = tenants.id AND u.deleted_at IS NULL)`,
  groups: sql<number>`(SELECT count(*) FROM groups g WHERE g.tenant_id = tenants.id)`,
  oauthSecrets: sql<number>`(SELECT count(*) FROM oauth_client_secrets s JOIN oauth_clients c
    ON c.tenant_id = s.tenant_id AND c.client_id = s.client_id
    WHERE s.tenant_id = tenants.id AND s.revoked_at IS NULL AND c.revoked_at IS NULL)`,
  federation: sql<boolean>`EXISTS (SELECT 1 FROM oauth_federations f WHERE f.tenant_id = tenants.id)`.mapWith(Boolean),
  entraToken:
    sql<boolean>`EXISTS (SELECT 1 FROM tenant_auth_settings a WHERE a.tenant_id = tenants.id AND a.entra_token_tenant_id IS NOT NULL)`.mapWith(
      Boolean,
    ),
};

/** Each tenant with its counts and which auth methods are on, in one statement (counts use the tenant-led indexes). */
export function tenantOverviews(db: Database, scope: string, only?: string): Promise<TenantOverview[]> {
  return db
    .select({
      id: tenants.id,
      createdAt: tenants.createdAt,
      secretToken: sql<boolean>`${tenants.tokenHash} IS NOT NULL`.mapWith(Boolean),
      ...perTenant,
      captureBodiesUntil: tenantSettings.captureBodiesUntil,
      requestLogRetentionDays: tenantSettings.requestLogRetentionDays,
    })
    .from(tenants)
    .leftJoin(tenantSettings, eq(tenantSettings.tenantId, tenants.id))
    .where(and(scope === ALL_TENANTS ? undefined : eq(tenants.id, scope), only === undefined ? undefined : eq(tenants.id, only)))
    .orderBy(tenants.id);
}

export async function tenantExists(db: Database, tenant: string): Promise<boolean> {
  const [row] = await db.select({ id: tenants.id }).from(tenants).where(eq(tenants.id, tenant));
  return row !== undefined;
}

/**
 * Sets until when failed requests' bodies are captured (null: off), as the CLI's `settings set
 * --capture-bodies` does (src/cli/policy-sql.ts): a tenant's first settings row starts from the
 * defaults. False when there is no such tenant.
 */
export async function setCaptureBodiesUntil(db: Database, tenant: string, until: string | null, now: string): Promise<boolean> {
  const rows = await db
    .insert(tenantSettings)
    .select(
      db
        .select({
          tenantId: tenants.id,
          allowedDomains: sql`'[]'`.as("allowed_domains"),
          deleteMode: sql`'hard'`.as("delete_mode"),
          groupsEnabled: sql`1`.as("groups_enabled"),
          rateLimitPerSecond: sql`NULL`.as("rate_limit_per_second"),
          eventRetentionDays: sql`NULL`.as("event_retention_days"),
          requestLogRetentionDays: sql`NULL`.as("request_log_retention_days"),
          captureBodiesUntil: sql`${until}`.as("capture_bodies_until"),
          updatedAt: sql`${now}`.as("updated_at"),
        })
        .from(tenants)
        .where(eq(tenants.id, tenant)),
    )
    .onConflictDoUpdate({ target: tenantSettings.tenantId, set: { captureBodiesUntil: until, updatedAt: now } })
    .returning({ tenantId: tenantSettings.tenantId });
  return rows.length === 1;
}

/** The tenant's tracked Secret Token hash: undefined for no such tenant, null for no token. */
export async function tokenHashOf(db: Database, tenant: string): Promise<string | null | undefined> {
  const [row] = await db.select({ hash: tenants.tokenHash }).from(tenants).where(eq(tenants.id, tenant));
  return row?.hash;
}

/**
 * Compare-and-set of the tracked hash, as the CLI's rotate does (src/cli/sql.ts swapTokenHash): false
 * when another rotate changed it first, so two operators cannot both leave a live token behind.
 */
export async function swapTokenHash(db: Database, tenant: string, from: string | null, to: string): Promise<boolean> {
  const rows = await db
    .update(tenants)
    .set({ tokenHash: to })
    .where(and(eq(tenants.id, tenant), sql`${tenants.tokenHash} IS ${from}`))
    .returning({ id: tenants.id });
  return rows.length === 1;
}

/** Revokes one live secret of a tenant's client; false when there was none to revoke. */
export async function revokeClientSecret(db: Database, tenant: string, clientId: string, secretId: string, now: string): Promise<boolean> {
  const rows = await db
    .update(oauthClientSecrets)
    .set({ revokedAt: now })
    .where(
      and(
        eq(oauthClientSecrets.tenantId, tenant),
        eq(oauthClientSecrets.clientId, clientId),
        eq(oauthClientSecrets.secretId, secretId),
        isNull(oauthClientSecrets.revokedAt),
      ),
    )
    .returning({ secretId: oauthClientSecrets.secretId });
  return rows.length === 1;
}

/** A resource's history, newest first. */
export async function resourceEvents(
  db: Database,
  tenant: string,
  type: "User" | "Group",
  id: string,
  limit: number,
): Promise<FeedEvent[]> {
  const rows = await db
    .select()
    .from(events)
    .where(and(eq(events.tenantId, tenant), eq(events.resourceType, type), eq(events.resourceId, id)))
    .orderBy(desc(events.seq))
    .limit(limit);
  return rows.map(toEvent);
}
