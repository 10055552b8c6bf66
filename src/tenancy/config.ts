import { and, eq } from "drizzle-orm";
import type { Database } from "../db/client.ts";
import { tenantSchemas, tenantSettings, webhookEndpoints } from "../db/schema.ts";
import type { AttributeDef } from "../scim/schema/attribute.ts";

// A tenant's own schema extensions and provisioning policy, as stored by the operator CLI.

export interface ExtensionDef {
  urn: string;
  resourceType: "User" | "Group";
  required: boolean;
  attributes: AttributeDef[];
}

export type DeleteMode = "hard" | "soft";

export interface TenantSettings {
  /** Lower-case domains a user's userName and work emails must belong to; empty = any. */
  allowedDomains: string[];
  /** hard: DELETE removes the user; soft: it is deactivated and hidden, and a re-create restores it. */
  deleteMode: DeleteMode;
  groupsEnabled: boolean;
  /** SCIM requests per second; null = the deployment's TENANT_RATE_LIMIT. */
  rateLimitPerSecond: number | null;
}

export interface TenantConfig {
  extensions: ExtensionDef[];
  settings: TenantSettings;
  /** The tenant has an active webhook endpoint: its writer arms delivery after each commit. */
  webhooks: boolean;
}

export const DEFAULT_SETTINGS: TenantSettings = { allowedDomains: [], deleteMode: "hard", groupsEnabled: true, rateLimitPerSecond: null };

/** All three tables in one round trip; a tenant without rows gets the defaults. */
export async function loadTenantConfig(db: Database, tenant: string): Promise<TenantConfig> {
  const [schemaRows, settingsRows, activeEndpoints] = await db.batch([
    db.select().from(tenantSchemas).where(eq(tenantSchemas.tenantId, tenant)).orderBy(tenantSchemas.urn),
    db.select().from(tenantSettings).where(eq(tenantSettings.tenantId, tenant)),
    db
      .select({ id: webhookEndpoints.id })
      .from(webhookEndpoints)
      .where(and(eq(webhookEndpoints.tenantId, tenant), eq(webhookEndpoints.status, "active")))
      .limit(1),
  ]);
  const row = settingsRows[0];
  return {
    extensions: schemaRows.map((r) => ({
      urn: r.urn,
      resourceType: r.resourceType,
      required: r.required,
      attributes: JSON.parse(r.attributes) as AttributeDef[],
    })),
    settings: row
      ? {
          allowedDomains: JSON.parse(row.allowedDomains),
          deleteMode: row.deleteMode,
          groupsEnabled: row.groupsEnabled,
          rateLimitPerSecond: row.rateLimitPerSecond,
        }
      : DEFAULT_SETTINGS,
    webhooks: activeEndpoints.length > 0,
  };
}
