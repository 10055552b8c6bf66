import { and, eq, isNull } from "drizzle-orm";
import type { Database } from "./client.ts";
import { oauthClients, oauthClientSecrets, oauthFederations, tenantAuthSettings, tenants } from "./schema.ts";

// Reads behind OAuth client authentication and access-token checks. Writes belong to the operator
// CLI (src/cli/oauth-sql.ts). Every query is scoped by tenant, except federationBySubject, which is
// how the single-host token endpoint finds the tenant in the first place.

export type FederationRow = typeof oauthFederations.$inferSelect;

export interface ClientCredentials {
  /** undefined: no such client in this tenant. */
  client: { revokedAt: string | null } | undefined;
  secrets: { secretId: string; secretHash: string; expiresAt: string; revokedAt: string | null }[];
  accessTokenSeconds: number | null;
}

const accessTokenSeconds = (db: Database, tenantId: string) =>
  db.select({ seconds: tenantAuthSettings.accessTokenSeconds }).from(tenantAuthSettings).where(eq(tenantAuthSettings.tenantId, tenantId));

/** A client, all its secrets and the tenant's token lifetime: one round trip. */
export async function clientCredentials(db: Database, tenantId: string, clientId: string): Promise<ClientCredentials> {
  const [client, secrets, settings] = await db.batch([
    db
      .select({ revokedAt: oauthClients.revokedAt })
      .from(oauthClients)
      .where(and(eq(oauthClients.tenantId, tenantId), eq(oauthClients.clientId, clientId))),
    db
      .select({
        secretId: oauthClientSecrets.secretId,
        secretHash: oauthClientSecrets.secretHash,
        expiresAt: oauthClientSecrets.expiresAt,
        revokedAt: oauthClientSecrets.revokedAt,
      })
      .from(oauthClientSecrets)
      .where(and(eq(oauthClientSecrets.tenantId, tenantId), eq(oauthClientSecrets.clientId, clientId))),
    accessTokenSeconds(db, tenantId),
  ]);
  return { client: client[0], secrets, accessTokenSeconds: settings[0]?.seconds ?? null };
}

export interface Federation {
  row: FederationRow;
  accessTokenSeconds: number | null;
}

async function withLifetime(db: Database, row: FederationRow | undefined): Promise<Federation | undefined> {
  if (!row) return undefined;
  const [settings] = await accessTokenSeconds(db, row.tenantId);
  return { row, accessTokenSeconds: settings?.seconds ?? null };
}

export async function federationOf(db: Database, tenantId: string): Promise<Federation | undefined> {
  const [row] = await db.select().from(oauthFederations).where(eq(oauthFederations.tenantId, tenantId));
  return withLifetime(db, row);
}

/** The tenant whose federation trusts this Entra tenant and subject (unique index: at most one). */
export async function federationBySubject(db: Database, entraTenantId: string, subject: string): Promise<Federation | undefined> {
  const [row] = await db
    .select()
    .from(oauthFederations)
    .where(and(eq(oauthFederations.entraTenantId, entraTenantId), eq(oauthFederations.subject, subject)));
  return withLifetime(db, row);
}

export interface AuthStateRows {
  secretToken: boolean;
  /** Secrets not revoked, of clients not revoked; expiry is checked at use. */
  liveSecrets: { clientId: string; secretId: string; expiresAt: string }[];
  federation: FederationRow | undefined;
  entraTokenTenantId: string | null;
}

/** What an access token or Entra's own token is checked against, for one tenant: one round trip. */
export async function authStateRows(db: Database, tenantId: string): Promise<AuthStateRows> {
  const [tenant, liveSecrets, federation, settings] = await db.batch([
    db.select({ tokenHash: tenants.tokenHash }).from(tenants).where(eq(tenants.id, tenantId)),
    db
      .select({
        clientId: oauthClientSecrets.clientId,
        secretId: oauthClientSecrets.secretId,
        expiresAt: oauthClientSecrets.expiresAt,
      })
      .from(oauthClientSecrets)
      .innerJoin(
        oauthClients,
        and(eq(oauthClients.tenantId, oauthClientSecrets.tenantId), eq(oauthClients.clientId, oauthClientSecrets.clientId)),
      )
      .where(and(eq(oauthClientSecrets.tenantId, tenantId), isNull(oauthClientSecrets.revokedAt), isNull(oauthClients.revokedAt))),
    db.select().from(oauthFederations).where(eq(oauthFederations.tenantId, tenantId)),
    db
      .select({ entraTokenTenantId: tenantAuthSettings.entraTokenTenantId })
      .from(tenantAuthSettings)
      .where(eq(tenantAuthSettings.tenantId, tenantId)),
  ]);
  return {
    secretToken: tenant[0]?.tokenHash != null,
    liveSecrets,
    federation: federation[0],
    entraTokenTenantId: settings[0]?.entraTokenTenantId ?? null,
  };
}
