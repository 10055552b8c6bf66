// Seeds benchmark tenants straight through the Worker's D1 and KV bindings: SQL generates the rows
// (recursive CTEs), so 100,000 users take seconds, not an HTTP initial cycle.

import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runWrangler } from "../../src/cli/wrangler.ts";
import { generateToken, sha256Hex } from "../../src/lib/crypto.ts";
import { tokenKey } from "../../src/lib/token-store.ts";
import type { D1Like, KvLike } from "../harness/serve-worker.ts";

/** A fresh local state directory (for serveWorker's persistTo) with every migration applied. */
export async function migratedState(prefix: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  const migrate = await runWrangler(["d1", "migrations", "apply", "DB", "--local", "--persist-to", dir]);
  if (migrate.code !== 0) throw new Error(migrate.stderr);
  return dir;
}

const range = (n: number) => `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ${Number(n)})`;

/** A tenant row and a Secret Token whose hash is in KV, as the CLI makes them. */
export async function seedTenant(db: D1Like, kv: KvLike, tenant: string): Promise<string> {
  const token = generateToken();
  const hash = await sha256Hex(token);
  const now = new Date().toISOString();
  await (
    db.prepare("INSERT INTO tenants (id, token_hash, created_at) VALUES (?, ?, ?)").bind(tenant, hash, now) as { run(): Promise<unknown> }
  ).run();
  await kv.put(tokenKey(hash), JSON.stringify({ tenant, createdAt: now }));
  return token;
}

/** Users "<prefix>-1" ... "<prefix>-<count>" with userName "<prefix>-<i>@bench.test" (email rows by trigger). */
export async function seedUsers(db: D1Like, tenant: string, count: number, prefix = "u") {
  const now = new Date().toISOString();
  await db.batch([
    db
      .prepare(
        `${range(count)} INSERT INTO users (tenant_id, id, user_name, display_name, active, data, created, last_modified, version)
         SELECT ?1, ?2 || '-' || i, ?2 || '-' || i || '@bench.test', 'User ' || i, 1,
                json_object('userName', ?2 || '-' || i || '@bench.test', 'displayName', 'User ' || i, 'active', json('true'),
                            'emails', json_array(json_object('value', ?2 || '-' || i || '@bench.test', 'type', 'work', 'primary', json('true')))),
                ?3, ?3, 1 FROM n`,
      )
      .bind(tenant, prefix, now),
  ]);
}

/** A group with members "<memberPrefix>-1" ... "<memberPrefix>-<members>". */
export async function seedGroup(db: D1Like, tenant: string, id: string, displayName: string, members: number, memberPrefix = "u") {
  const now = new Date().toISOString();
  const statements = [
    db
      .prepare(
        `INSERT INTO groups (tenant_id, id, display_name, external_id, data, created, last_modified, version)
         VALUES (?1, ?2, ?3, ?2, json_object('displayName', ?3, 'externalId', ?2), ?4, ?4, 1)`,
      )
      .bind(tenant, id, displayName, now),
  ];
  if (members > 0) {
    statements.push(
      db
        .prepare(
          `${range(members)} INSERT INTO group_members (tenant_id, group_id, member_id, member_type)
           SELECT ?1, ?2, ?3 || '-' || i, 'User' FROM n`,
        )
        .bind(tenant, id, memberPrefix),
    );
  }
  await db.batch(statements);
}

/** `count` groups "g-1"... named "Group <i>", each with `members` of the users "<memberPrefix>-i...". */
export async function seedGroups(db: D1Like, tenant: string, count: number, members: number, memberPrefix = "u") {
  const now = new Date().toISOString();
  await db.batch([
    db
      .prepare(
        `${range(count)} INSERT INTO groups (tenant_id, id, display_name, external_id, data, created, last_modified, version)
         SELECT ?1, 'g-' || i, 'Group ' || i, 'ext-g-' || i, json_object('displayName', 'Group ' || i, 'externalId', 'ext-g-' || i), ?2, ?2, 1 FROM n`,
      )
      .bind(tenant, now),
    db
      .prepare(
        `${range(count * members)} INSERT INTO group_members (tenant_id, group_id, member_id, member_type)
         SELECT ?1, 'g-' || ((i - 1) / CAST(?2 AS INTEGER) + 1), ?3 || '-' || i, 'User' FROM n`,
      )
      .bind(tenant, members, memberPrefix),
  ]);
}
