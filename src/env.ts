import type { TenantWriter } from "./durable/tenant-writer.ts";

export interface Env {
  DB: D1Database;
  TOKENS: KVNamespace;
  WRITER: DurableObjectNamespace<TenantWriter>;
  BASE_DOMAIN: string;
  TOKEN_CACHE_SECONDS: string;
  /** Optional: the same region hint given to `wrangler d1 create --location`. */
  DO_LOCATION_HINT?: string;
}

export interface Variables {
  tenant: string;
  /** Absolute base of this tenant's SCIM API as the client called it, for meta.location. */
  scimBase: string;
}

export type AppEnv = { Bindings: Env; Variables: Variables };
