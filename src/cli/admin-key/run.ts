// `admin-key create|list|revoke`: the keys of the admin API (/admin/v1). A key is printed once and
// only its SHA-256 is stored; the Worker notices a revocation within TOKEN_CACHE_SECONDS.

import { ALL_TENANTS, newAdminKey, newAdminKeyId } from "../../lib/admin-keys.ts";
import { sha256Hex } from "../../lib/crypto.ts";
import { type Context, prepare } from "../commands.ts";
import { CliError } from "../errors.ts";
import { json } from "../output.ts";
import type { AdminKeyRequest } from "./args.ts";
import { type AdminKeyRow, insertAdminKey, revokeAdminKey, selectAdminKeys } from "./sql.ts";

export interface IssuedAdminKey {
  id: string;
  /** Plaintext, shown once. */
  key: string;
  scope: string;
}

export interface AdminKeyListing {
  id: string;
  scope: string;
  createdAt: string;
  revokedAt: string | null;
}

const listing = (row: AdminKeyRow): AdminKeyListing => ({
  id: row.id,
  scope: row.scope,
  createdAt: row.created_at,
  revokedAt: row.revoked_at,
});

async function createKey(scope: string, ctx: Context): Promise<IssuedAdminKey> {
  const id = newAdminKeyId();
  const key = newAdminKey();
  const inserted = await ctx.store.query(insertAdminKey(id, await sha256Hex(key), scope, ctx.now().toISOString()));
  if (inserted.length === 0) throw new CliError(`unknown tenant "${scope}"; see: npm run tenant -- list`);
  return { id, key, scope };
}

async function revokeKey(id: string, ctx: Context): Promise<AdminKeyListing> {
  const [revoked, [row]] = (await ctx.store.batch(revokeAdminKey(id, ctx.now().toISOString()))) as [unknown[], AdminKeyRow[]];
  if (!row) throw new CliError(`no admin key ${id}; see: npm run tenant -- admin-key list`);
  if (revoked.length === 0) ctx.log(`Admin key ${id} was already revoked.`);
  if (ctx.target.remote) ctx.log("Deployed Workers may accept the key for up to TOKEN_CACHE_SECONDS more (their cache).");
  return listing(row);
}

const scopeText = (scope: string) => (scope === ALL_TENANTS ? "every tenant" : `tenant "${scope}"`);

const issuedText = (r: IssuedAdminKey) =>
  [
    `Admin key ${r.id} for ${scopeText(r.scope)}.`,
    "",
    `  Admin key:  ${r.key}`,
    "",
    "It is shown only now and stored only as a hash. Send it as Authorization: Bearer <key> to /admin/v1",
    "on the single-host origin (README: Admin API).",
    "",
  ].join("\n");

function listText(keys: AdminKeyListing[]): string {
  if (keys.length === 0) return "No admin keys. Create one with: npm run tenant -- admin-key create [--tenant <tenant>]\n";
  return `${keys.map((k) => `${k.id}  ${k.scope.padEnd(12)}  created ${k.createdAt}${k.revokedAt ? `  revoked ${k.revokedAt}` : "  live"}`).join("\n")}\n`;
}

export async function runAdminKeyCommand(request: AdminKeyRequest, ctx: Context): Promise<string> {
  const render = <T>(result: T, asText: (r: T) => string) => (request.json ? json(result) : asText(result));
  await prepare(ctx);
  switch (request.command) {
    case "admin-key create":
      return render(await createKey(request.scope, ctx), issuedText);
    case "admin-key list":
      return render((await ctx.store.query<AdminKeyRow>(selectAdminKeys())).map(listing), listText);
    case "admin-key revoke":
      return render(await revokeKey(request.id, ctx), (k) => `Admin key ${k.id} (${scopeText(k.scope)}) revoked.\n`);
    default: {
      const unreachable: never = request;
      throw new CliError(`unhandled command ${JSON.stringify(unreachable)}`);
    }
  }
}
