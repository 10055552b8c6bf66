// The tenants statements the CLI sends through `wrangler d1 execute --command`, which takes no
// bound parameters. Every value is checked against a pattern whose alphabet cannot end a SQL string
// literal (no quote, backslash or semicolon) before it is put between quotes, so a value that
// slipped past argument parsing fails here instead of becoming SQL.

import { TENANT_NAME } from "../lib/token-store.ts";

export const SHA256_HEX = /^[0-9a-f]{64}$/;
export const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

export function literal(value: string, pattern: RegExp, what: string): string {
  if (!pattern.test(value)) throw new Error(`refusing to put ${what} ${JSON.stringify(value)} into SQL`);
  return `'${value}'`;
}

const tenantLit = (tenant: string) => literal(tenant, TENANT_NAME, "tenant name");
const hashLit = (hash: string | null) => (hash === null ? "NULL" : literal(hash, SHA256_HEX, "token hash"));

export interface TenantRow {
  id: string;
  token_hash: string | null;
  created_at: string;
}

/** Returns the row only when it was inserted, so "already exists" needs no separate read or error parsing. */
export const insertTenant = (tenant: string, tokenHash: string, createdAt: string) =>
  `INSERT INTO tenants (id, token_hash, created_at) VALUES (${tenantLit(tenant)}, ${hashLit(tokenHash)}, ${literal(createdAt, ISO_INSTANT, "timestamp")}) ON CONFLICT (id) DO NOTHING RETURNING id`;

export const selectTenant = (tenant: string) => `SELECT id, token_hash, created_at FROM tenants WHERE id = ${tenantLit(tenant)}`;

export const selectTenants = () => "SELECT id, token_hash, created_at FROM tenants ORDER BY id";

/**
 * Compare-and-set of the tracked hash: returns a row only if the hash was still `from`, so two
 * operators rotating one tenant at once cannot both succeed and leave an untracked live token.
 * (`IS` compares NULL as a value, which `=` does not.)
 */
export const swapTokenHash = (tenant: string, from: string | null, to: string | null) =>
  `UPDATE tenants SET token_hash = ${hashLit(to)} WHERE id = ${tenantLit(tenant)} AND token_hash IS ${hashLit(from)} RETURNING id`;
