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
    // Set by a soft delete (a tenant's deprovisioning policy): hidden from SCIM, kept for the SaaS side.
    deletedAt: text("deleted_at"),
    // JSON of the event a service write records: a trigger (migrations/0010) turns it into the
    // event row inside the write's own statement. Left in place after; only the trigger reads it.
    pendingEvent: text("pending_event"),
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
    // Nullable: an email without a value still matches emails[type eq "work"] (found by the property test).
    value: text("value"),
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

// OAuth 2.0 clients of a tenant (RFC 6749 §2). The client id embeds the tenant ("{tenant}.{hex}",
// src/lib/oauth-credentials.ts), so the single-host token endpoint finds the tenant without a
// cross-tenant lookup. Revoking a client keeps its row, so a later rotate cannot revive it.
export const oauthClients = sqliteTable(
  "oauth_clients",
  {
    tenantId: text("tenant_id").notNull(),
    clientId: text("client_id").notNull(),
    createdAt: text("created_at").notNull(),
    revokedAt: text("revoked_at"),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.clientId] })],
);

// A client's secrets, only as SHA-256 (they carry 256 random bits, so a slow hash adds nothing).
// Several may be live at once: rotation adds one, and both work until the old one is revoked.
export const oauthClientSecrets = sqliteTable(
  "oauth_client_secrets",
  {
    tenantId: text("tenant_id").notNull(),
    clientId: text("client_id").notNull(),
    secretId: text("secret_id").notNull(),
    secretHash: text("secret_hash").notNull(),
    createdAt: text("created_at").notNull(),
    expiresAt: text("expires_at").notNull(),
    revokedAt: text("revoked_at"),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.clientId, t.secretId] })],
);

// Workload identity federation (RFC 7523 client assertions signed by Entra), at most one per tenant.
// federation_id changes on every `federation set`, and access tokens carry it, so replacing or
// removing the configuration ends the tokens it issued.
export const oauthFederations = sqliteTable(
  "oauth_federations",
  {
    tenantId: text("tenant_id").primaryKey(),
    federationId: text("federation_id").notNull(),
    entraTenantId: text("entra_tenant_id").notNull(),
    subject: text("subject").notNull(),
    // Space-separated: audiences are URIs, which contain no spaces.
    audiences: text("audiences").notNull(),
    jwksUrl: text("jwks_url"),
    createdAt: text("created_at").notNull(),
  },
  // The single-host token endpoint picks the tenant by the assertion's (tid, sub): one tenant per pair.
  (t) => [uniqueIndex("oauth_federations_entra_subject").on(t.entraTenantId, t.subject)],
);

// Per-tenant authentication settings; a missing row means the defaults.
export const tenantAuthSettings = sqliteTable("tenant_auth_settings", {
  tenantId: text("tenant_id").primaryKey(),
  // expires_in of issued access tokens; null = 3,600 s.
  accessTokenSeconds: integer("access_token_seconds"),
  // Entra tenant whose own SCIM bearer JWT is accepted (testing only); null = off.
  entraTokenTenantId: text("entra_token_tenant_id"),
  updatedAt: text("updated_at").notNull(),
});

// A tenant's own schema extensions (issue 5): attribute definitions in the same shape as the built-in
// schemas (src/scim/schema/attribute.ts), so validation, discovery, filters and PATCH treat them alike.
export const tenantSchemas = sqliteTable(
  "tenant_schemas",
  {
    tenantId: text("tenant_id").notNull(),
    urn: text("urn").notNull(),
    resourceType: text("resource_type", { enum: ["User", "Group"] }).notNull(),
    required: integer("required", { mode: "boolean" }).notNull(),
    attributes: text("attributes").notNull(),
    createdAt: text("created_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.urn] })],
);

// The values of a tenant's extension attributes declared unique (uniqueness "server"), one row per
// value: the primary key refuses a value another resource holds, inside the write's own batch, so
// checking costs no read and concurrent writers cannot both win. attribute is "{urn}:{name}" in lower
// case; value is lower-cased for caseExact=false strings. Written by src/db/unique-values.ts.
export const uniqueValues = sqliteTable(
  "unique_values",
  {
    tenantId: text("tenant_id").notNull(),
    resourceType: text("resource_type", { enum: ["User", "Group"] }).notNull(),
    attribute: text("attribute").notNull(),
    value: text("value").notNull(),
    resourceId: text("resource_id").notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.tenantId, t.resourceType, t.attribute, t.value] }),
    // A resource's rows, replaced on each write of it and dropped when it goes.
    index("unique_values_tenant_resource").on(t.tenantId, t.resourceType, t.resourceId),
  ],
);

// Per-tenant provisioning policy; a missing row means the defaults.
export const tenantSettings = sqliteTable("tenant_settings", {
  tenantId: text("tenant_id").primaryKey(),
  // JSON array of lower-case domains; empty = no restriction.
  allowedDomains: text("allowed_domains").notNull(),
  deleteMode: text("delete_mode", { enum: ["hard", "soft"] }).notNull(),
  groupsEnabled: integer("groups_enabled", { mode: "boolean" }).notNull(),
  // SCIM requests per second this tenant may make; null = TENANT_RATE_LIMIT.
  rateLimitPerSecond: integer("rate_limit_per_second"),
  // Days its change-feed events are kept; null = EVENT_RETENTION_DAYS.
  eventRetentionDays: integer("event_retention_days"),
  // Days its provisioning log is kept; null = REQUEST_LOG_RETENTION_DAYS.
  requestLogRetentionDays: integer("request_log_retention_days"),
  // Until when failed requests' bodies are captured (ISO 8601); null or past = off. An expiry rather
  // than a switch, so capture turns itself off without anyone remembering to.
  captureBodiesUntil: text("capture_bodies_until"),
  updatedAt: text("updated_at").notNull(),
});

// The change feed (README: Change feed). A write's events go in the same atomic batch as the change,
// numbered from the tenant's counter in that batch: in commit order, without gaps. The counter is a
// row of its own, never max(seq) + 1 over events, so pruning every event never restarts the sequence;
// the primary key (tenant_id, seq) makes a second writer's batch fail rather than fork the feed.
export const tenantEventCounters = sqliteTable("tenant_event_counters", {
  tenantId: text("tenant_id").primaryKey(),
  lastSeq: integer("last_seq").notNull(),
});

export const events = sqliteTable(
  "events",
  {
    tenantId: text("tenant_id").notNull(),
    seq: integer("seq").notNull(),
    // Unique and stable: a consumer's idempotency key (and a webhook's webhook-id).
    id: text("id").notNull(),
    type: text("type").notNull(),
    // Commit time, ISO 8601.
    time: text("time").notNull(),
    resourceType: text("resource_type", { enum: ["User", "Group"] }).notNull(),
    resourceId: text("resource_id").notNull(),
    // JSON: the resource after the change (groups without members), or the member changed.
    data: text("data").notNull(),
    // JSON, on *.updated only: the old values of the top-level attributes that changed.
    previous: text("previous"),
    // JSON of the type's own flags ({"restored": true}, {"soft": false}), or null.
    extra: text("extra"),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.seq] }), index("events_tenant_time").on(t.tenantId, t.time)],
);

// Keys of the admin API (/admin/v1) for the SaaS product's backend: only the SHA-256 of a key is kept.
export const adminKeys = sqliteTable(
  "admin_keys",
  {
    id: text("id").primaryKey(),
    keyHash: text("key_hash").notNull(),
    // A tenant's id, or "*" for every tenant.
    scope: text("scope").notNull(),
    createdAt: text("created_at").notNull(),
    revokedAt: text("revoked_at"),
  },
  (t) => [uniqueIndex("admin_keys_key_hash").on(t.keyHash)],
);

// Webhook endpoints of a tenant (README: Webhooks): each follows the change feed with a cursor of its
// own. The secret is kept in the clear because signing needs it; no listing ever returns it.
export const webhookEndpoints = sqliteTable(
  "webhook_endpoints",
  {
    tenantId: text("tenant_id").notNull(),
    id: text("id").notNull(),
    url: text("url").notNull(),
    // JSON array of event types; null = every type.
    types: text("types"),
    secret: text("secret").notNull(),
    // The secret before the last rotation, which still signs (a second signature) until previous_until.
    previousSecret: text("previous_secret"),
    previousUntil: text("previous_until"),
    status: text("status", { enum: ["active", "failing", "disabled"] }).notNull(),
    // The seq of the last event acknowledged (or skipped by the types filter).
    position: integer("position").notNull(),
    // Failed attempts at the event after position, since its last 2xx.
    attempts: integer("attempts").notNull(),
    // When the next attempt is due (ISO 8601); null = at once.
    nextAttemptAt: text("next_attempt_at"),
    createdAt: text("created_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.id] })],
);

// One row per delivery attempt (and per gap retention left), kept 7 days. Never a secret; the
// receiver's response body only up to 1 KB.
export const webhookDeliveries = sqliteTable(
  "webhook_deliveries",
  {
    tenantId: text("tenant_id").notNull(),
    endpointId: text("endpoint_id").notNull(),
    // Ascending per endpoint: the delivery log's keyset cursor.
    attempt: integer("attempt").notNull(),
    seq: integer("seq").notNull(),
    // null for an entry about the endpoint rather than an event: a retention gap, a resume, a refused URL.
    eventId: text("event_id"),
    time: text("time").notNull(),
    statusCode: integer("status_code"),
    durationMs: integer("duration_ms").notNull(),
    error: text("error"),
    responseBody: text("response_body"),
  },
  (t) => [
    primaryKey({ columns: [t.tenantId, t.endpointId, t.attempt] }),
    index("webhook_deliveries_endpoint_time").on(t.tenantId, t.endpointId, t.time),
  ],
);

// The provisioning log (README: Provisioning log): one row per SCIM or token-endpoint request of a
// tenant. id starts with the request's ISO time, so it orders a tenant's rows by time and a time range
// is a range of the primary key.
export const requestLog = sqliteTable(
  "request_log",
  {
    tenantId: text("tenant_id").notNull(),
    id: text("id").notNull(),
    time: text("time").notNull(),
    method: text("method").notNull(),
    // With the query string: the filter Entra sent is what explains most failures.
    path: text("path").notNull(),
    status: integer("status").notNull(),
    durationMs: integer("duration_ms").notNull(),
    scimType: text("scim_type"),
    detail: text("detail"),
    resourceId: text("resource_id"),
    credentialKind: text("credential_kind", { enum: ["secret_token", "oauth_client", "federation", "none"] }).notNull(),
    credentialId: text("credential_id"),
    correlationId: text("correlation_id"),
    // Redacted; only for failed requests while the tenant's capture_bodies_until is ahead.
    requestBody: text("request_body"),
    responseBody: text("response_body"),
  },
  (t) => [
    primaryKey({ columns: [t.tenantId, t.id] }),
    // Only failures: every status query the log answers from an index is about them (requests/read.ts),
    // and a successful request's row, nearly every row, then costs no insert into this index.
    index("request_log_tenant_status").on(t.tenantId, t.status, t.id).where(sql`${t.status} >= 400`),
    // A user's page lists the requests that touched it, newest first; a list or a search touches none.
    index("request_log_tenant_resource").on(t.tenantId, t.resourceId, t.id).where(sql`${t.resourceId} IS NOT NULL`),
  ],
);
