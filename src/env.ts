import type { TenantWriter } from "./durable/tenant-writer.ts";
import type { TenantConfig } from "./tenancy/config.ts";
import type { TenantTypes } from "./tenancy/resource-types.ts";
import type { RateLimiter } from "./ratelimit/limiter.ts";
import type { Credential } from "./requests/read.ts";

export interface Env {
  DB: D1Database;
  TOKENS: KVNamespace;
  WRITER: DurableObjectNamespace<TenantWriter>;
  RATE_LIMITER: DurableObjectNamespace<RateLimiter>;
  BASE_DOMAIN: string;
  TOKEN_CACHE_SECONDS: string;
  /** How long an isolate may trust a tenant's extensions and settings it already read (seconds). */
  CONFIG_CACHE_SECONDS: string;
  /** SCIM requests per second per tenant unless its settings say otherwise. */
  TENANT_RATE_LIMIT: string;
  /** How long a request over its tenant's rate may wait for its turn, and a 429 before it is sent (ms). */
  RATE_LIMIT_QUEUE_MS?: string;
  /**
   * HMAC key of the OAuth access tokens this service issues (a wrangler secret; .dev.vars locally).
   * Unset: the token endpoint refuses to issue and no access token verifies.
   */
  ACCESS_TOKEN_SECRET?: string;
  /** Days the change feed keeps events unless a tenant's settings say otherwise (default 30). */
  EVENT_RETENTION_DAYS?: string;
  /** Cloudflare Access in front of the console: the team domain ("myteam.cloudflareaccess.com"). With ACCESS_AUD, sign-in is Access's. */
  ACCESS_TEAM_DOMAIN?: string;
  /** The Access application's audience tag. */
  ACCESS_AUD?: string;
  /** "true" lets webhooks use http://127.0.0.1 and http://localhost: local development and tests only. */
  WEBHOOK_ALLOW_LOCAL_HTTP?: string;
  /** "off" stops recording the provisioning log (a benchmark's A/B); anything else records. */
  REQUEST_LOG?: string;
  /** Days the provisioning log keeps a tenant's requests unless its settings say otherwise (default 14). */
  REQUEST_LOG_RETENTION_DAYS?: string;
  /** Optional: the same region hint given to `wrangler d1 create --location`. */
  DO_LOCATION_HINT?: string;
}

export interface Variables {
  tenant: string;
  /** The tenant's extensions and provisioning policy. */
  config: TenantConfig;
  /** The tenant's resource types: built-in schemas plus its extensions. */
  types: TenantTypes;
  /** Set by the error handler for the request log: the scimType, or the status's kind. */
  errorType?: string;
  /** For the provisioning log: the credential that authenticated the request (never a secret). */
  credential?: Credential;
  /** For the provisioning log: the tenant a token-endpoint request was for, when the host names none. */
  logTenant?: string;
  /**
   * For the provisioning log: this request's row id and start. `loggable`: its write may record the row
   * itself (not Bulk, whose row spans several writes); `recorded`: a user write was given the row, so
   * if it succeeds its own statement recorded it.
   */
  logged?: { id: string; time: string; started: number; loggable: boolean; recorded: boolean };
}

export type AppEnv = { Bindings: Env; Variables: Variables };
