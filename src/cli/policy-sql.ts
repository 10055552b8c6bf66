// The schema and policy statements the CLI sends through `wrangler d1 execute` (no bound
// parameters). Names pass literal()'s pattern check as in sql.ts; JSON documents (attribute
// definitions, domain lists) go in as hex blobs cast to text, which no content can break out of.

import { TENANT_NAME } from "../lib/token-store.ts";
import type { AttributeSpec, SettingsChange } from "./policy-args.ts";
import { ISO_INSTANT, literal } from "./sql.ts";

const tenantLit = (tenant: string) => literal(tenant, TENANT_NAME, "tenant name");
const instantLit = (instant: string) => literal(instant, ISO_INSTANT, "timestamp");
const textLit = (value: string) => `CAST(X'${Buffer.from(value, "utf8").toString("hex")}' AS TEXT)`;
const tenantExists = (tenant: string) => `SELECT EXISTS (SELECT 1 FROM tenants WHERE id = ${tenantLit(tenant)}) AS tenant_exists`;

export interface TenantDiagnosis {
  tenant_exists: number;
}

export interface SchemaRow {
  urn: string;
  resource_type: "User" | "Group";
  required: number;
  attributes: string;
  created_at: string;
}

export interface SettingsRow {
  allowed_domains: string;
  delete_mode: "hard" | "soft";
  groups_enabled: number;
  rate_limit_per_second: number | null;
  event_retention_days: number | null;
  request_log_retention_days: number | null;
  capture_bodies_until: string | null;
  updated_at: string;
}

/** [diagnosis, inserted rows]: no row inserted when the tenant is unknown or the URN is taken (any case). */
export const addSchema = (
  tenant: string,
  urn: string,
  resourceType: "User" | "Group",
  required: boolean,
  attributes: AttributeSpec[],
  at: string,
) => [
  tenantExists(tenant),
  `INSERT INTO tenant_schemas (tenant_id, urn, resource_type, required, attributes, created_at)
   SELECT ${tenantLit(tenant)}, ${textLit(urn)}, ${literal(resourceType, /^(User|Group)$/, "resource type")}, ${required ? 1 : 0},
          ${textLit(JSON.stringify(attributes))}, ${instantLit(at)}
   WHERE EXISTS (SELECT 1 FROM tenants WHERE id = ${tenantLit(tenant)})
     AND NOT EXISTS (SELECT 1 FROM tenant_schemas WHERE tenant_id = ${tenantLit(tenant)} AND lower(urn) = lower(${textLit(urn)}))
   RETURNING urn`,
];

export const listSchemas = (tenant: string) => [
  tenantExists(tenant),
  `SELECT urn, resource_type, required, attributes, created_at FROM tenant_schemas WHERE tenant_id = ${tenantLit(tenant)} ORDER BY urn`,
];

export const removeSchema = (tenant: string, urn: string) => [
  tenantExists(tenant),
  `DELETE FROM tenant_schemas WHERE tenant_id = ${tenantLit(tenant)} AND lower(urn) = lower(${textLit(urn)}) RETURNING urn`,
  // Its unique attributes' values (src/db/unique-values.ts), which would otherwise hold those values
  // against a later extension of the same URN.
  `DELETE FROM unique_values WHERE tenant_id = ${tenantLit(tenant)}
   AND substr(attribute, 1, length(${textLit(urn)}) + 1) = lower(${textLit(urn)}) || ':'`,
];

const SETTINGS_COLUMNS =
  "allowed_domains, delete_mode, groups_enabled, rate_limit_per_second, event_retention_days, request_log_retention_days, capture_bodies_until, updated_at";

/**
 * Upserts only the columns a command changes; a tenant's first settings row starts from the
 * defaults (no domain restriction, hard delete, groups on, the deployment's rate and event retention).
 */
export function changeSettings(tenant: string, change: SettingsChange & { allowedDomains?: string[] }, at: string) {
  const columns: Record<string, string> = {};
  if (change.allowedDomains !== undefined) columns.allowed_domains = textLit(JSON.stringify(change.allowedDomains));
  if (change.deleteMode !== undefined) columns.delete_mode = literal(change.deleteMode, /^(hard|soft)$/, "delete mode");
  if (change.groupsEnabled !== undefined) columns.groups_enabled = change.groupsEnabled ? "1" : "0";
  if (change.rateLimitPerSecond !== undefined)
    columns.rate_limit_per_second = change.rateLimitPerSecond === null ? "NULL" : String(Math.trunc(change.rateLimitPerSecond));
  if (change.eventRetentionDays !== undefined)
    columns.event_retention_days = change.eventRetentionDays === null ? "NULL" : String(Math.trunc(change.eventRetentionDays));
  if (change.requestLogRetentionDays !== undefined)
    columns.request_log_retention_days =
      change.requestLogRetentionDays === null ? "NULL" : String(Math.trunc(change.requestLogRetentionDays));
  if (change.captureBodiesMs !== undefined)
    columns.capture_bodies_until =
      change.captureBodiesMs === null ? "NULL" : instantLit(new Date(Date.parse(at) + change.captureBodiesMs).toISOString());
  const initial = {
    allowed_domains: textLit("[]"),
    delete_mode: "'hard'",
    groups_enabled: "1",
    rate_limit_per_second: "NULL",
    event_retention_days: "NULL",
    request_log_retention_days: "NULL",
    capture_bodies_until: "NULL",
    ...columns,
  };
  const names = Object.keys(initial);
  return [
    tenantExists(tenant),
    `INSERT INTO tenant_settings (tenant_id, ${names.join(", ")}, updated_at)
     SELECT ${tenantLit(tenant)}, ${names.map((n) => initial[n as keyof typeof initial]).join(", ")}, ${instantLit(at)}
     WHERE EXISTS (SELECT 1 FROM tenants WHERE id = ${tenantLit(tenant)})
     ON CONFLICT (tenant_id) DO UPDATE SET ${[...Object.keys(columns), "updated_at"].map((n) => `${n} = excluded.${n}`).join(", ")}
     RETURNING ${SETTINGS_COLUMNS}`,
  ];
}

export const selectSettings = (tenant: string) => `SELECT ${SETTINGS_COLUMNS} FROM tenant_settings WHERE tenant_id = ${tenantLit(tenant)}`;
