// The four operator commands. Ordering rule for every write: a KV token key may exist only while
// tenants.token_hash names it. Keys are therefore deleted before the row forgets them and put
// after the row records them, so a command that dies half-way can leave a tenant without a
// working token (fixed by `rotate`), but never a live token that `revoke` cannot find.

import { generateToken, sha256Hex } from "../lib/crypto.ts";
import { type TokenRecord, tokenKey } from "../lib/token-store.ts";
import type { Target } from "./args.ts";
import { CliError } from "./errors.ts";
import { insertTenant, selectTenant, selectTenants, swapTokenHash, type TenantRow } from "./sql.ts";
import { tenantUrl } from "./tenant-url.ts";
import type { Store } from "./wrangler.ts";

const TOKEN_KEY_PREFIX = tokenKey("");

export interface Context {
  store: Store;
  target: Target;
  baseDomain: string;
  /** Progress and warnings for the operator; never stdout, which carries only the result. */
  log: (line: string) => void;
  now: () => Date;
}

export interface IssuedToken {
  tenant: string;
  tenantUrl: string;
  /** Plaintext, shown once: only its SHA-256 is stored. */
  token: string;
}

export interface RevokeResult {
  tenant: string;
  /** false when the tenant had no token to revoke. */
  revoked: boolean;
}

export interface TenantListing {
  tenant: string;
  createdAt: string;
  /** The Worker would accept the tenant's recorded token right now (its hash is in KV). */
  tokenLive: boolean;
  tenantUrl: string;
}

async function issueToken(tenant: string, ctx: Context) {
  const token = generateToken();
  const hash = await sha256Hex(token);
  const record: TokenRecord = { tenant, createdAt: ctx.now().toISOString() };
  return { token, hash, record };
}

/** Metadata shows up in `kv key list`, so keys can be attributed to a tenant without reading each. */
const storeToken = (ctx: Context, hash: string, record: TokenRecord) =>
  ctx.store.kvPut(tokenKey(hash), JSON.stringify(record), { tenant: record.tenant });

export async function prepare(ctx: Context) {
  if (!ctx.target.remote) ctx.log("Applying D1 migrations to local state (once per fresh checkout)...");
  await ctx.store.prepare();
}

async function findTenant(ctx: Context, tenant: string): Promise<TenantRow> {
  const [row] = await ctx.store.query<TenantRow>(selectTenant(tenant));
  if (!row) throw new CliError(`unknown tenant "${tenant}" (${where(ctx)}); see: npm run tenant -- list`);
  return row;
}

const where = (ctx: Context) => (ctx.target.remote ? "remote" : "local");

function propagationNote(ctx: Context) {
  // Deployed KV is eventually consistent and the Worker caches lookups (TOKEN_CACHE_SECONDS).
  if (ctx.target.remote) {
    ctx.log("Deployed Workers may still accept the old token for about a minute (KV propagation, token cache).");
  }
}

async function swapOrFail(ctx: Context, tenant: string, from: string | null, to: string | null) {
  const swapped = await ctx.store.query(swapTokenHash(tenant, from, to));
  if (swapped.length === 0) {
    throw new CliError(`tenant "${tenant}" changed while this command ran (another rotate/revoke?); run it again`);
  }
}

export async function createTenant(tenant: string, ctx: Context): Promise<IssuedToken> {
  await prepare(ctx);
  const { token, hash, record } = await issueToken(tenant, ctx);
  ctx.log(`Creating tenant "${tenant}" (${where(ctx)})...`);
  const inserted = await ctx.store.query(insertTenant(tenant, hash, record.createdAt));
  if (inserted.length === 0) {
    throw new CliError(`tenant "${tenant}" already exists; to issue a new token: npm run tenant -- rotate ${tenant}`);
  }
  try {
    await storeToken(ctx, hash, record);
  } catch (error) {
    throw new CliError(
      `tenant "${tenant}" was created but its token could not be stored, so it has none that works.\n` +
        `Fix: npm run tenant -- rotate ${tenant}\n${(error as Error).message}`,
    );
  }
  return { tenant, tenantUrl: tenantUrl(tenant, ctx.target, ctx.baseDomain), token };
}

export async function rotateToken(tenant: string, ctx: Context): Promise<IssuedToken> {
  await prepare(ctx);
  const row = await findTenant(ctx, tenant);
  const { token, hash, record } = await issueToken(tenant, ctx);
  ctx.log(`Rotating the token of "${tenant}" (${where(ctx)})...`);
  if (row.token_hash !== null) await ctx.store.kvDelete(tokenKey(row.token_hash));
  await swapOrFail(ctx, tenant, row.token_hash, hash);
  try {
    await storeToken(ctx, hash, record);
  } catch (error) {
    throw new CliError(
      `the old token of "${tenant}" is revoked but the new one could not be stored.\n` +
        `Fix: npm run tenant -- rotate ${tenant}\n${(error as Error).message}`,
    );
  }
  propagationNote(ctx);
  return { tenant, tenantUrl: tenantUrl(tenant, ctx.target, ctx.baseDomain), token };
}

export async function revokeToken(tenant: string, ctx: Context): Promise<RevokeResult> {
  await prepare(ctx);
  const row = await findTenant(ctx, tenant);
  if (row.token_hash === null) {
    ctx.log(`Tenant "${tenant}" has no token; nothing to revoke.`);
    return { tenant, revoked: false };
  }
  ctx.log(`Revoking the token of "${tenant}" (${where(ctx)})...`);
  await ctx.store.kvDelete(tokenKey(row.token_hash));
  await swapOrFail(ctx, tenant, row.token_hash, null);
  propagationNote(ctx);
  return { tenant, revoked: true };
}

export async function listTenants(ctx: Context): Promise<TenantListing[]> {
  await prepare(ctx);
  const rows = await ctx.store.query<TenantRow>(selectTenants());
  // KV, not the row, decides liveness: it is what the Worker checks.
  const keys = await ctx.store.kvList(TOKEN_KEY_PREFIX);
  const liveHashes = new Set(keys.map((key) => key.name.slice(TOKEN_KEY_PREFIX.length)));
  const trackedHashes = new Set(rows.map((row) => row.token_hash));

  for (const row of rows) {
    if (row.token_hash !== null && !liveHashes.has(row.token_hash)) {
      ctx.log(`warning: the token of "${row.id}" is missing from KV; issue one with: npm run tenant -- rotate ${row.id}`);
    }
  }
  for (const key of keys) {
    if (trackedHashes.has(key.name.slice(TOKEN_KEY_PREFIX.length))) continue;
    // A key no row names still authenticates, and revoke cannot find it.
    const owner = (key.metadata as { tenant?: unknown } | undefined)?.tenant;
    ctx.log(
      `warning: KV key ${key.name}${typeof owner === "string" ? ` (tenant "${owner}")` : ""} is a token no tenant row tracks; ` +
        `remove it: npx wrangler kv key delete --binding TOKENS ${key.name} --${where(ctx)}`,
    );
  }

  return rows.map((row) => ({
    tenant: row.id,
    createdAt: row.created_at,
    tokenLive: row.token_hash !== null && liveHashes.has(row.token_hash),
    tenantUrl: tenantUrl(row.id, ctx.target, ctx.baseDomain),
  }));
}
