import { and, inArray, type SQL } from "drizzle-orm";
import type { SQLiteColumn, SQLiteTable } from "drizzle-orm/sqlite-core";
import type { Database } from "./client.ts";

// Retention's one mechanism (the change feed, the provisioning log, the webhook delivery log): old
// rows go in bounded steps, not one statement that holds D1 for as long as a long backlog takes.

const PRUNE_CHUNK = 10_000;
const DAY_MS = 86_400_000;

/** A days setting from a var: a positive whole number, else `fallback`. */
export function daysSetting(value: string | undefined, fallback: number): number {
  const days = Number(value);
  return Number.isInteger(days) && days > 0 ? days : fallback;
}

/** The ISO instant `days` before `now`: stored times are toISOString's form, so they compare as text. */
export const daysBefore = (now: number, days: number) => new Date(now - days * DAY_MS).toISOString();

/**
 * Deletes the rows of `table` within `scope` (one tenant's, one endpoint's) that `old` picks, by their
 * `key` within that scope, PRUNE_CHUNK at a time; returns how many went.
 */
export async function pruneInChunks(
  db: Database,
  table: SQLiteTable,
  key: SQLiteColumn,
  scope: SQL | undefined,
  old: SQL,
): Promise<number> {
  let pruned = 0;
  for (;;) {
    const oldest = db.select({ key }).from(table).where(and(scope, old)).limit(PRUNE_CHUNK);
    const { meta } = await db
      .delete(table)
      .where(and(scope, inArray(key, oldest)))
      .run();
    pruned += meta.changes;
    if (meta.changes < PRUNE_CHUNK) return pruned;
  }
}
