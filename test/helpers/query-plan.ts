import { env } from "cloudflare:test";
import { SQLiteSyncDialect } from "drizzle-orm/sqlite-core";
import { compileFilter, type StorageMap } from "../../src/scim/filter/compile.ts";
import { parseFilter } from "../../src/scim/filter/parse.ts";

/** SQLite's plan for a filter as the service compiles it, on the resource's table. */
export async function queryPlan(table: "users" | "groups", storage: StorageMap, filter: string): Promise<string> {
  const { sql, params } = new SQLiteSyncDialect().sqlToQuery(compileFilter(parseFilter(filter), storage));
  const rows = await env.DB.prepare(`EXPLAIN QUERY PLAN SELECT * FROM ${table} WHERE tenant_id = ? AND ${sql}`)
    .bind("t1", ...params)
    .all<{ detail: string }>();
  return rows.results.map((r) => r.detail).join(" | ");
}

/** SQLite's plan for a statement the service builds (a drizzle query, not run). */
export async function statementPlan(query: { toSQL(): { sql: string; params: unknown[] } }): Promise<string> {
  const { sql, params } = query.toSQL();
  const rows = await env.DB.prepare(`EXPLAIN QUERY PLAN ${sql}`)
    .bind(...params)
    .all<{ detail: string }>();
  return rows.results.map((r) => r.detail).join(" | ");
}
