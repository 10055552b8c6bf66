// The admin_keys statements of `admin-key create|list|revoke`, for `wrangler d1 execute` (no bound
// parameters): every value passes a pattern that cannot end an SQL string literal (cli/sql.ts).

import { ADMIN_KEY_ID, ALL_TENANTS } from "../../lib/admin-keys.ts";
import { TENANT_NAME } from "../../lib/token-store.ts";
import { ISO_INSTANT, literal, SHA256_HEX } from "../sql.ts";

export interface AdminKeyRow {
  id: string;
  scope: string;
  created_at: string;
  revoked_at: string | null;
}

const idLit = (id: string) => literal(id, ADMIN_KEY_ID, "admin key id");
const timeLit = (at: string) => literal(at, ISO_INSTANT, "timestamp");

/** A tenant's key only while the tenant exists: returns the row only when it was inserted. */
export function insertAdminKey(id: string, keyHash: string, scope: string, createdAt: string): string {
  const all = scope === ALL_TENANTS;
  const scopeLit = all ? `'${ALL_TENANTS}'` : literal(scope, TENANT_NAME, "tenant name");
  const values = `${idLit(id)}, ${literal(keyHash, SHA256_HEX, "key hash")}, ${scopeLit}, ${timeLit(createdAt)}`;
  const exists = all ? "" : ` WHERE EXISTS (SELECT 1 FROM tenants WHERE id = ${scopeLit})`;
  return `INSERT INTO admin_keys (id, key_hash, scope, created_at) SELECT ${values}${exists} RETURNING id`;
}

export const selectAdminKeys = () => "SELECT id, scope, created_at, revoked_at FROM admin_keys ORDER BY created_at, id";

/** Revokes a live key; the second statement tells an unknown id from an already revoked one. */
export const revokeAdminKey = (id: string, at: string) => [
  `UPDATE admin_keys SET revoked_at = ${timeLit(at)} WHERE id = ${idLit(id)} AND revoked_at IS NULL RETURNING id`,
  `SELECT id, scope, created_at, revoked_at FROM admin_keys WHERE id = ${idLit(id)}`,
];
