// The OAuth statements the CLI sends through `wrangler d1 execute` (no bound parameters: every
// value passes literal()'s pattern check first, as in sql.ts). A command's statements go in one
// call, which wrangler runs as one D1 batch; each write is guarded in SQL (WHERE EXISTS, RETURNING),
// and a leading diagnostic SELECT says why a guard held, so a command costs one wrangler spawn.

import { CLIENT_ID, ENTRA_TENANT_ID, HEX_ID } from "../lib/oauth-credentials.ts";
import { TENANT_NAME } from "../lib/token-store.ts";
import { ISO_INSTANT, literal, SHA256_HEX } from "./sql.ts";

// Entra's sub is a GUID or a base64url string; audiences and JWKS URLs are URIs. Neither alphabet
// holds a quote, backslash, semicolon or space.
export const SUBJECT = /^[A-Za-z0-9._:@/+=~-]{1,256}$/;
const URI_CHARS = "[A-Za-z0-9._~:/?#[\\]@!$&()*+,=%-]";
export const URI = new RegExp(`^${URI_CHARS}{1,512}$`);
const URI_LIST = new RegExp(`^${URI_CHARS}{1,512}(?: ${URI_CHARS}{1,512})*$`);

const tenantLit = (tenant: string) => literal(tenant, TENANT_NAME, "tenant name");
const clientLit = (clientId: string) => literal(clientId, CLIENT_ID, "client id");
const idLit = (id: string) => literal(id, HEX_ID, "id");
const instantLit = (instant: string) => literal(instant, ISO_INSTANT, "timestamp");
const tenantExists = (tenant: string) => `EXISTS (SELECT 1 FROM tenants WHERE id = ${tenantLit(tenant)})`;
const clientWhere = (tenant: string, clientId: string) => `tenant_id = ${tenantLit(tenant)} AND client_id = ${clientLit(clientId)}`;

export interface NewSecret {
  secretId: string;
  hash: string;
  createdAt: string;
  expiresAt: string;
}

const secretValues = (tenant: string, clientId: string, s: NewSecret) =>
  [
    tenantLit(tenant),
    clientLit(clientId),
    idLit(s.secretId),
    literal(s.hash, SHA256_HEX, "secret hash"),
    instantLit(s.createdAt),
    instantLit(s.expiresAt),
  ].join(", ");

const SECRET_COLUMNS = "(tenant_id, client_id, secret_id, secret_hash, created_at, expires_at)";

/** [client inserted?, secret inserted?]: both empty when the tenant does not exist. */
export const createClient = (tenant: string, clientId: string, secret: NewSecret) => [
  `INSERT INTO oauth_clients (tenant_id, client_id, created_at)
   SELECT ${tenantLit(tenant)}, ${clientLit(clientId)}, ${instantLit(secret.createdAt)} WHERE ${tenantExists(tenant)}
   RETURNING client_id`,
  `INSERT INTO oauth_client_secrets ${SECRET_COLUMNS}
   SELECT ${secretValues(tenant, clientId, secret)}
   WHERE EXISTS (SELECT 1 FROM oauth_clients WHERE ${clientWhere(tenant, clientId)})
   RETURNING secret_id`,
];

export interface ClientDiagnosis {
  tenant_exists: number;
  /** 1 if the client exists (revoked or not). */
  client_exists: number;
  client_revoked_at: string | null;
}

const diagnoseClient = (tenant: string, clientId: string) =>
  `SELECT ${tenantExists(tenant)} AS tenant_exists,
     EXISTS (SELECT 1 FROM oauth_clients WHERE ${clientWhere(tenant, clientId)}) AS client_exists,
     (SELECT revoked_at FROM oauth_clients WHERE ${clientWhere(tenant, clientId)}) AS client_revoked_at`;

/** [diagnosis, secret inserted?]: a rotation adds a secret to a live client and leaves the others live. */
export const addSecret = (tenant: string, clientId: string, secret: NewSecret) => [
  diagnoseClient(tenant, clientId),
  `INSERT INTO oauth_client_secrets ${SECRET_COLUMNS}
   SELECT ${secretValues(tenant, clientId, secret)}
   WHERE EXISTS (SELECT 1 FROM oauth_clients WHERE ${clientWhere(tenant, clientId)} AND revoked_at IS NULL)
   RETURNING secret_id`,
];

/** [diagnosis, client revoked?, secrets revoked]: the client row stays, so no rotate can revive it. */
export const revokeClient = (tenant: string, clientId: string, now: string) => [
  diagnoseClient(tenant, clientId),
  `UPDATE oauth_clients SET revoked_at = ${instantLit(now)}
   WHERE ${clientWhere(tenant, clientId)} AND revoked_at IS NULL RETURNING client_id`,
  `UPDATE oauth_client_secrets SET revoked_at = ${instantLit(now)}
   WHERE ${clientWhere(tenant, clientId)} AND revoked_at IS NULL RETURNING secret_id`,
];

export interface SecretDiagnosis extends ClientDiagnosis {
  secret_exists: number;
  secret_revoked_at: string | null;
}

/** [diagnosis, secret revoked?]. */
export const revokeSecret = (tenant: string, clientId: string, secretId: string, now: string) => {
  const secretWhere = `${clientWhere(tenant, clientId)} AND secret_id = ${idLit(secretId)}`;
  return [
    `${diagnoseClient(tenant, clientId)},
       EXISTS (SELECT 1 FROM oauth_client_secrets WHERE ${secretWhere}) AS secret_exists,
       (SELECT revoked_at FROM oauth_client_secrets WHERE ${secretWhere}) AS secret_revoked_at`,
    `UPDATE oauth_client_secrets SET revoked_at = ${instantLit(now)}
     WHERE ${secretWhere} AND revoked_at IS NULL RETURNING secret_id`,
  ];
};

export interface ClientSecretRow {
  client_id: string;
  client_created_at: string;
  client_revoked_at: string | null;
  secret_id: string | null;
  created_at: string | null;
  expires_at: string | null;
  revoked_at: string | null;
}

/** [tenant exists, one row per secret (or per client without one)]; never a secret or its hash. */
export const listClients = (tenant: string) => [
  `SELECT ${tenantExists(tenant)} AS tenant_exists`,
  `SELECT c.client_id, c.created_at AS client_created_at, c.revoked_at AS client_revoked_at,
     s.secret_id, s.created_at, s.expires_at, s.revoked_at
   FROM oauth_clients c LEFT JOIN oauth_client_secrets s ON s.tenant_id = c.tenant_id AND s.client_id = c.client_id
   WHERE c.tenant_id = ${tenantLit(tenant)} ORDER BY c.created_at, c.client_id, s.created_at, s.secret_id`,
];

export interface FederationSettings {
  entraTenantId: string;
  subject: string;
  audiences: string[];
  jwksUrl?: string;
}

export interface FederationRow {
  federation_id: string;
  entra_tenant_id: string;
  subject: string;
  audiences: string;
  jwks_url: string | null;
  created_at: string;
}

const FEDERATION_COLUMNS = "federation_id, entra_tenant_id, subject, audiences, jwks_url, created_at";

export interface FederationDiagnosis {
  tenant_exists: number;
  /** The tenant that already trusts this (tid, sub) pair, if another one does. */
  taken_by: string | null;
}

/**
 * [diagnosis, the row as set (empty if a guard held)]. Replaces the tenant's federation under a new
 * id, so the access tokens the old one issued end.
 */
export function setFederation(tenant: string, federationId: string, settings: FederationSettings, now: string) {
  const tid = literal(settings.entraTenantId, ENTRA_TENANT_ID, "Entra tenant id");
  const subject = literal(settings.subject, SUBJECT, "subject");
  const audiences = literal(settings.audiences.join(" "), URI_LIST, "audiences");
  const jwks = settings.jwksUrl === undefined ? "NULL" : literal(settings.jwksUrl, URI, "JWKS URL");
  const takenBy = `SELECT tenant_id FROM oauth_federations
    WHERE entra_tenant_id = ${tid} AND subject = ${subject} AND tenant_id <> ${tenantLit(tenant)}`;
  return [
    `SELECT ${tenantExists(tenant)} AS tenant_exists, (${takenBy}) AS taken_by`,
    `INSERT INTO oauth_federations (tenant_id, federation_id, entra_tenant_id, subject, audiences, jwks_url, created_at)
     SELECT ${tenantLit(tenant)}, ${idLit(federationId)}, ${tid}, ${subject}, ${audiences}, ${jwks}, ${instantLit(now)}
     WHERE ${tenantExists(tenant)} AND NOT EXISTS (${takenBy})
     ON CONFLICT (tenant_id) DO UPDATE SET federation_id = excluded.federation_id, entra_tenant_id = excluded.entra_tenant_id,
       subject = excluded.subject, audiences = excluded.audiences, jwks_url = excluded.jwks_url, created_at = excluded.created_at
     RETURNING ${FEDERATION_COLUMNS}`,
  ];
}

/** [tenant exists, federation]. */
export const showFederation = (tenant: string) => [
  `SELECT ${tenantExists(tenant)} AS tenant_exists`,
  `SELECT ${FEDERATION_COLUMNS} FROM oauth_federations WHERE tenant_id = ${tenantLit(tenant)}`,
];

/** [tenant exists, removed federation]. */
export const removeFederation = (tenant: string) => [
  `SELECT ${tenantExists(tenant)} AS tenant_exists`,
  `DELETE FROM oauth_federations WHERE tenant_id = ${tenantLit(tenant)} RETURNING ${FEDERATION_COLUMNS}`,
];

export interface AuthSettingsChange {
  accessTokenSeconds?: number;
  /** null turns Entra's own token off. */
  entraTokenTenantId?: string | null;
}

export interface AuthSettingsRow {
  access_token_seconds: number | null;
  entra_token_tenant_id: string | null;
}

/** [settings row after the change]: empty when the tenant does not exist. Unmentioned settings keep their value. */
export function setAuthSettings(tenant: string, change: AuthSettingsChange, now: string) {
  const columns: Record<string, string> = {};
  if (change.accessTokenSeconds !== undefined) {
    if (!Number.isSafeInteger(change.accessTokenSeconds)) throw new Error(`refusing to put ${change.accessTokenSeconds} into SQL`);
    columns.access_token_seconds = String(change.accessTokenSeconds);
  }
  if (change.entraTokenTenantId !== undefined) {
    columns.entra_token_tenant_id =
      change.entraTokenTenantId === null ? "NULL" : literal(change.entraTokenTenantId, ENTRA_TENANT_ID, "Entra tenant id");
  }
  const updates = [...Object.keys(columns), "updated_at"].map((column) => `${column} = excluded.${column}`);
  return [
    `INSERT INTO tenant_auth_settings (tenant_id, access_token_seconds, entra_token_tenant_id, updated_at)
     SELECT ${tenantLit(tenant)}, ${columns.access_token_seconds ?? "NULL"}, ${columns.entra_token_tenant_id ?? "NULL"}, ${instantLit(now)}
     WHERE ${tenantExists(tenant)}
     ON CONFLICT (tenant_id) DO UPDATE SET ${updates.join(", ")}
     RETURNING access_token_seconds, entra_token_tenant_id`,
  ];
}

export interface TenantAuthRow {
  token_hash: string | null;
  live_clients: number;
  access_token_seconds: number | null;
  entra_token_tenant_id: string | null;
}

/** [tenant summary (empty if no tenant), federation]: what `show` reports. */
export function showTenantAuth(tenant: string, now: string) {
  const t = tenantLit(tenant);
  return [
    `SELECT t.token_hash,
       (SELECT count(DISTINCT s.client_id) FROM oauth_client_secrets s
        JOIN oauth_clients c ON c.tenant_id = s.tenant_id AND c.client_id = s.client_id
        WHERE s.tenant_id = ${t} AND s.revoked_at IS NULL AND c.revoked_at IS NULL AND s.expires_at > ${instantLit(now)}) AS live_clients,
       a.access_token_seconds, a.entra_token_tenant_id
     FROM tenants t LEFT JOIN tenant_auth_settings a ON a.tenant_id = t.id WHERE t.id = ${t}`,
    `SELECT ${FEDERATION_COLUMNS} FROM oauth_federations WHERE tenant_id = ${t}`,
  ];
}
