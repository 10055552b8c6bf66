// The OAuth operator commands. Each sends its statements (oauth-sql.ts) in one wrangler call; a
// guard that held is explained from the diagnostic row sent in the same batch.

import { sha256Hex } from "../lib/crypto.ts";
import { type AuthMethod, DEFAULT_ACCESS_TOKEN_SECONDS, newClientId, newClientSecret, newHexId } from "../lib/oauth-credentials.ts";
import type { Context } from "./commands.ts";
import { CliError } from "./errors.ts";
import type { OAuthRequest } from "./oauth-args.ts";
import * as sql from "./oauth-sql.ts";
import { tenantUrl, tokenEndpoint } from "./tenant-url.ts";

type Request<C extends OAuthRequest["command"]> = Extract<OAuthRequest, { command: C }>;

const DAY_MS = 86_400_000;
const where = (ctx: Context) => (ctx.target.remote ? "remote" : "local");
const unknownTenant = (tenant: string, ctx: Context) =>
  new CliError(`unknown tenant "${tenant}" (${where(ctx)}); see: npm run tenant -- list`);

async function prepare(ctx: Context) {
  if (!ctx.target.remote) ctx.log("Applying D1 migrations to local state (once per fresh checkout)...");
  await ctx.store.prepare();
}

function revocationNote(ctx: Context) {
  // The Worker re-reads a tenant's revocation state at most every TOKEN_CACHE_SECONDS.
  ctx.log("Access tokens issued with it stop working within TOKEN_CACHE_SECONDS (30 s by default).");
}

export interface IssuedClientSecret {
  tenant: string;
  clientId: string;
  /** Only on rotate: create's --json shape is fixed, and a new client has one secret anyway. */
  secretId?: string;
  /** Plaintext, shown once: only its SHA-256 is stored. */
  clientSecret: string;
  tokenEndpoint: string;
  expiresAt: string;
}

async function newSecret(ctx: Context, expiresDays: number) {
  const clientSecret = newClientSecret();
  const now = ctx.now();
  const row: sql.NewSecret = {
    secretId: newHexId(),
    hash: await sha256Hex(clientSecret),
    createdAt: now.toISOString(),
    expiresAt: new Date(now.getTime() + expiresDays * DAY_MS).toISOString(),
  };
  return { clientSecret, row };
}

export async function createClient(request: Request<"client create">, ctx: Context): Promise<IssuedClientSecret> {
  const { tenant } = request;
  await prepare(ctx);
  const clientId = newClientId(tenant);
  const { clientSecret, row } = await newSecret(ctx, request.expiresDays);
  ctx.log(`Creating an OAuth client for "${tenant}" (${where(ctx)})...`);
  const [client] = await ctx.store.batch(sql.createClient(tenant, clientId, row));
  if (client.length === 0) throw unknownTenant(tenant, ctx);
  return { tenant, clientId, clientSecret, tokenEndpoint: tokenEndpoint(tenant, ctx.target, ctx.baseDomain), expiresAt: row.expiresAt };
}

function explainClient(diagnosis: sql.ClientDiagnosis, request: { tenant: string; clientId: string }, ctx: Context): CliError {
  if (!diagnosis.tenant_exists) return unknownTenant(request.tenant, ctx);
  if (!diagnosis.client_exists) {
    return new CliError(
      `unknown client "${request.clientId}" of tenant "${request.tenant}"; see: npm run tenant -- client list ${request.tenant}`,
    );
  }
  return new CliError(
    `client "${request.clientId}" was revoked at ${diagnosis.client_revoked_at}; ` +
      `create a new one: npm run tenant -- client create ${request.tenant}`,
  );
}

export async function rotateClient(request: Request<"client rotate">, ctx: Context): Promise<IssuedClientSecret> {
  const { tenant, clientId } = request;
  await prepare(ctx);
  const { clientSecret, row } = await newSecret(ctx, request.expiresDays);
  ctx.log(`Adding a secret to client "${clientId}" (${where(ctx)})...`);
  const [diagnosis, inserted] = await ctx.store.batch(sql.addSecret(tenant, clientId, row));
  if (inserted.length === 0) throw explainClient(diagnosis[0] as sql.ClientDiagnosis, request, ctx);
  ctx.log(
    "The client's other secrets keep working; revoke the old one once Entra has the new one:\n" +
      `  npm run tenant -- client revoke ${tenant} ${clientId} --secret-id <id from client list>`,
  );
  return {
    tenant,
    clientId,
    secretId: row.secretId,
    clientSecret,
    tokenEndpoint: tokenEndpoint(tenant, ctx.target, ctx.baseDomain),
    expiresAt: row.expiresAt,
  };
}

export interface RevokedClient {
  tenant: string;
  clientId: string;
  revokedSecretIds: string[];
}

export async function revokeClient(request: Request<"client revoke">, ctx: Context): Promise<RevokedClient> {
  const { tenant, clientId, secretId } = request;
  await prepare(ctx);
  const now = ctx.now().toISOString();
  if (secretId === undefined) {
    ctx.log(`Revoking client "${clientId}" and all its secrets (${where(ctx)})...`);
    const [diagnosis, client, secrets] = await ctx.store.batch(sql.revokeClient(tenant, clientId, now));
    if (client.length === 0) throw explainClient(diagnosis[0] as sql.ClientDiagnosis, request, ctx);
    revocationNote(ctx);
    return { tenant, clientId, revokedSecretIds: (secrets as { secret_id: string }[]).map((s) => s.secret_id) };
  }
  ctx.log(`Revoking secret ${secretId} of client "${clientId}" (${where(ctx)})...`);
  const [diagnoses, revoked] = await ctx.store.batch(sql.revokeSecret(tenant, clientId, secretId, now));
  if (revoked.length === 0) {
    const diagnosis = diagnoses[0] as sql.SecretDiagnosis;
    if (!diagnosis.tenant_exists || !diagnosis.client_exists) throw explainClient(diagnosis, request, ctx);
    if (!diagnosis.secret_exists) {
      throw new CliError(`client "${clientId}" has no secret "${secretId}"; see: npm run tenant -- client list ${tenant}`);
    }
    throw new CliError(`secret "${secretId}" of client "${clientId}" was already revoked at ${diagnosis.secret_revoked_at}`);
  }
  revocationNote(ctx);
  return { tenant, clientId, revokedSecretIds: [secretId] };
}

export type SecretStatus = "active" | "expired" | "revoked";

export interface ClientListing {
  clientId: string;
  createdAt: string;
  revokedAt: string | null;
  secrets: { secretId: string; createdAt: string; expiresAt: string; status: SecretStatus }[];
}

export async function listClients(request: Request<"client list">, ctx: Context): Promise<ClientListing[]> {
  await prepare(ctx);
  const [tenant, rows] = await ctx.store.batch(sql.listClients(request.tenant));
  if (!(tenant[0] as { tenant_exists: number }).tenant_exists) throw unknownTenant(request.tenant, ctx);
  const now = ctx.now().toISOString();
  const clients = new Map<string, ClientListing>();
  for (const row of rows as sql.ClientSecretRow[]) {
    let client = clients.get(row.client_id);
    if (!client) {
      client = { clientId: row.client_id, createdAt: row.client_created_at, revokedAt: row.client_revoked_at, secrets: [] };
      clients.set(row.client_id, client);
    }
    if (row.secret_id === null || row.created_at === null || row.expires_at === null) continue;
    const status: SecretStatus = row.revoked_at !== null ? "revoked" : row.expires_at <= now ? "expired" : "active";
    client.secrets.push({ secretId: row.secret_id, createdAt: row.created_at, expiresAt: row.expires_at, status });
  }
  return [...clients.values()];
}

export interface FederationView {
  tenant: string;
  federation: { entraTenantId: string; subject: string; audiences: string[]; jwksUrl: string | null; createdAt: string } | null;
  /** What the customer types as Client ID in Entra: RFC 7523 §3 makes the assertion's sub the client id. */
  clientId: string | null;
  tokenEndpoint: string;
  tenantUrl: string;
}

function federationView(tenant: string, row: sql.FederationRow | undefined, ctx: Context): FederationView {
  return {
    tenant,
    federation: row
      ? {
          entraTenantId: row.entra_tenant_id,
          subject: row.subject,
          audiences: row.audiences.split(" "),
          jwksUrl: row.jwks_url,
          createdAt: row.created_at,
        }
      : null,
    clientId: row?.subject ?? null,
    tokenEndpoint: tokenEndpoint(tenant, ctx.target, ctx.baseDomain),
    tenantUrl: tenantUrl(tenant, ctx.target, ctx.baseDomain),
  };
}

export async function setFederation(request: Request<"federation set">, ctx: Context): Promise<FederationView> {
  const { tenant, settings } = request;
  await prepare(ctx);
  ctx.log(`Setting the workload identity federation of "${tenant}" (${where(ctx)})...`);
  const statements = sql.setFederation(tenant, newHexId(), settings, ctx.now().toISOString());
  const [diagnoses, [row]] = await ctx.store.batch(statements);
  if (row === undefined) {
    const diagnosis = diagnoses[0] as sql.FederationDiagnosis;
    if (!diagnosis.tenant_exists) throw unknownTenant(tenant, ctx);
    throw new CliError(
      `tenant "${diagnosis.taken_by}" already trusts subject "${settings.subject}" of Entra tenant ${settings.entraTenantId}; ` +
        "one (tenant, subject) pair may serve only one tenant, so the single-host token endpoint can tell them apart",
    );
  }
  return federationView(tenant, row as sql.FederationRow, ctx);
}

export async function showFederation(request: Request<"federation show">, ctx: Context): Promise<FederationView> {
  await prepare(ctx);
  const [tenant, rows] = await ctx.store.batch(sql.showFederation(request.tenant));
  if (!(tenant[0] as { tenant_exists: number }).tenant_exists) throw unknownTenant(request.tenant, ctx);
  return federationView(request.tenant, rows[0] as sql.FederationRow | undefined, ctx);
}

export async function removeFederation(request: Request<"federation remove">, ctx: Context): Promise<{ tenant: string; removed: boolean }> {
  await prepare(ctx);
  ctx.log(`Removing the workload identity federation of "${request.tenant}" (${where(ctx)})...`);
  const [tenant, removed] = await ctx.store.batch(sql.removeFederation(request.tenant));
  if (!(tenant[0] as { tenant_exists: number }).tenant_exists) throw unknownTenant(request.tenant, ctx);
  if (removed.length > 0) revocationNote(ctx);
  return { tenant: request.tenant, removed: removed.length > 0 };
}

export interface AuthSettingsView {
  tenant: string;
  accessTokenSeconds: number;
  entraTokenTenantId: string | null;
}

export async function setAuth(request: Request<"auth set">, ctx: Context): Promise<AuthSettingsView> {
  await prepare(ctx);
  ctx.log(`Updating the authentication settings of "${request.tenant}" (${where(ctx)})...`);
  const [rows] = await ctx.store.batch(sql.setAuthSettings(request.tenant, request.change, ctx.now().toISOString()));
  const row = rows[0] as sql.AuthSettingsRow | undefined;
  if (!row) throw unknownTenant(request.tenant, ctx);
  if (row.entra_token_tenant_id !== null) {
    ctx.log(
      "warning: Entra's own bearer token is for testing only (Microsoft's advice); " +
        "use client credentials or federation in production.",
    );
  }
  return {
    tenant: request.tenant,
    accessTokenSeconds: row.access_token_seconds ?? DEFAULT_ACCESS_TOKEN_SECONDS,
    entraTokenTenantId: row.entra_token_tenant_id,
  };
}

export interface TenantAuthView {
  tenant: string;
  tenantUrl: string;
  tokenEndpoint: string;
  methods: AuthMethod[];
  liveClients: number;
  federation: FederationView["federation"];
  entraTokenTenantId: string | null;
  accessTokenSeconds: number;
}

export async function showTenant(request: Request<"show">, ctx: Context): Promise<TenantAuthView> {
  const { tenant } = request;
  await prepare(ctx);
  const [summaries, federations] = await ctx.store.batch(sql.showTenantAuth(tenant, ctx.now().toISOString()));
  const summary = summaries[0] as sql.TenantAuthRow | undefined;
  if (!summary) throw unknownTenant(tenant, ctx);
  const { federation } = federationView(tenant, federations[0] as sql.FederationRow | undefined, ctx);
  const methods: AuthMethod[] = [];
  if (summary.token_hash !== null) methods.push("secretToken");
  if (summary.live_clients > 0) methods.push("clientCredentials");
  if (federation) methods.push("federation");
  if (summary.entra_token_tenant_id !== null) methods.push("entraToken");
  return {
    tenant,
    tenantUrl: tenantUrl(tenant, ctx.target, ctx.baseDomain),
    tokenEndpoint: tokenEndpoint(tenant, ctx.target, ctx.baseDomain),
    methods,
    liveClients: summary.live_clients,
    federation,
    entraTokenTenantId: summary.entra_token_tenant_id,
    accessTokenSeconds: summary.access_token_seconds ?? DEFAULT_ACCESS_TOKEN_SECONDS,
  };
}
