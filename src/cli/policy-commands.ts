// The per-tenant schema and policy commands. Each is one wrangler call: a diagnostic SELECT says
// whether the tenant exists, and the guarded write says whether anything changed.

import type { Context } from "./commands.ts";
import { CliError } from "./errors.ts";
import type { AttributeSpec, PolicyRequest } from "./policy-args.ts";
import * as sql from "./policy-sql.ts";

export interface ExtensionListing {
  urn: string;
  resourceType: "User" | "Group";
  required: boolean;
  attributes: AttributeSpec[];
  createdAt: string;
}

export interface ProvisioningSettings {
  allowedDomains: string[];
  deleteMode: "hard" | "soft";
  groupsEnabled: boolean;
  /** null: the deployment's TENANT_RATE_LIMIT. */
  rateLimitPerSecond: number | null;
  /** null: the deployment's EVENT_RETENTION_DAYS. */
  eventRetentionDays: number | null;
  /** null: the deployment's REQUEST_LOG_RETENTION_DAYS. */
  requestLogRetentionDays: number | null;
  /** Failed requests' bodies are captured until then; null (or a past time): off. */
  captureBodiesUntil: string | null;
}

export const DEFAULT_PROVISIONING: ProvisioningSettings = {
  allowedDomains: [],
  deleteMode: "hard",
  groupsEnabled: true,
  rateLimitPerSecond: null,
  eventRetentionDays: null,
  requestLogRetentionDays: null,
  captureBodiesUntil: null,
};

type Request<C extends PolicyRequest["command"]> = Extract<PolicyRequest, { command: C }>;

async function run<Row>(ctx: Context, tenant: string, statements: string[]): Promise<Row[]> {
  await ctx.store.prepare();
  const [diagnosis, rows] = (await ctx.store.batch(statements)) as [sql.TenantDiagnosis[], Row[]];
  if (!diagnosis[0]?.tenant_exists) throw new CliError(`unknown tenant "${tenant}"`);
  return rows;
}

const listing = (row: sql.SchemaRow): ExtensionListing => ({
  urn: row.urn,
  resourceType: row.resource_type,
  required: row.required === 1,
  attributes: JSON.parse(row.attributes),
  createdAt: row.created_at,
});

export const settingsOf = (row: sql.SettingsRow | undefined): ProvisioningSettings =>
  row
    ? {
        allowedDomains: JSON.parse(row.allowed_domains),
        deleteMode: row.delete_mode,
        groupsEnabled: row.groups_enabled === 1,
        rateLimitPerSecond: row.rate_limit_per_second,
        eventRetentionDays: row.event_retention_days,
        requestLogRetentionDays: row.request_log_retention_days,
        captureBodiesUntil: row.capture_bodies_until,
      }
    : DEFAULT_PROVISIONING;

export async function addSchema(request: Request<"schema add">, ctx: Context) {
  const { tenant, urn, resourceType, required, attributes } = request;
  const rows = await run(ctx, tenant, sql.addSchema(tenant, urn, resourceType, required, attributes, ctx.now().toISOString()));
  if (rows.length === 0) throw new CliError(`tenant "${tenant}" already has schema ${urn}: remove it first to change it`);
  ctx.log(`Added ${urn} to ${tenant}; the Worker applies it within CONFIG_CACHE_SECONDS.`);
  return { tenant, urn, resourceType, required, attributes };
}

export async function listSchemas(request: Request<"schema list">, ctx: Context): Promise<ExtensionListing[]> {
  return (await run<sql.SchemaRow>(ctx, request.tenant, sql.listSchemas(request.tenant))).map(listing);
}

export async function removeSchema(request: Request<"schema remove">, ctx: Context) {
  const rows = await run(ctx, request.tenant, sql.removeSchema(request.tenant, request.urn));
  if (rows.length === 0) throw new CliError(`tenant "${request.tenant}" has no schema ${request.urn}`);
  // Stored values of the extension stay in the users' data, invisible until the schema is added again.
  return { tenant: request.tenant, urn: request.urn, removed: true };
}

export async function setDomains(request: Request<"domains set">, ctx: Context) {
  const rows = await run<sql.SettingsRow>(
    ctx,
    request.tenant,
    sql.changeSettings(request.tenant, { allowedDomains: request.domains }, ctx.now().toISOString()),
  );
  return { tenant: request.tenant, ...settingsOf(rows[0]) };
}

export async function setSettings(request: Request<"settings set">, ctx: Context) {
  const rows = await run<sql.SettingsRow>(ctx, request.tenant, sql.changeSettings(request.tenant, request.change, ctx.now().toISOString()));
  return { tenant: request.tenant, ...settingsOf(rows[0]) };
}

/** The tenant's provisioning settings and schema extensions, for `show`. */
export async function showPolicy(tenant: string, ctx: Context) {
  await ctx.store.prepare();
  const [tenantCheck, schemaList] = sql.listSchemas(tenant);
  const [diagnosis, settings, schemas] = (await ctx.store.batch([tenantCheck, sql.selectSettings(tenant), schemaList])) as [
    sql.TenantDiagnosis[],
    sql.SettingsRow[],
    sql.SchemaRow[],
  ];
  if (!diagnosis[0]?.tenant_exists) throw new CliError(`unknown tenant "${tenant}"`);
  return { provisioning: settingsOf(settings[0]), extensions: schemas.map(listing) };
}
