import type { SQL } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import * as schema from "./schema.ts";

export const database = (d1: D1Database) => drizzle(d1, { schema });
export type Database = ReturnType<typeof database>;

export interface Page {
  offset: number;
  limit: number;
  /** ORDER BY from sortBy; by default the primary key, stable across pages. */
  order?: SQL;
}

export type Statement = Parameters<Database["batch"]>[0][number];

/** One atomic D1 batch of any number of statements (drizzle types it as a non-empty tuple). */
export function runBatch(db: Database, statements: readonly Statement[]) {
  return db.batch(statements as unknown as [Statement, ...Statement[]]);
}
