import { type SQL, sql } from "drizzle-orm";
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

/**
 * A page of rows and the total they are a page of, in one statement: each row carries
 * `count(*) OVER ()`. Only an empty page needs the separate count (count=0, or past the end).
 */
export async function pageWithTotal<Row extends { total: number }>(
  page: Page,
  rows: () => Promise<Row[]>,
  total: () => Promise<number>,
): Promise<{ total: number; rows: Row[] }> {
  if (page.limit === 0) return { total: await total(), rows: [] };
  const found = await rows();
  if (found.length > 0) return { total: found[0].total, rows: found };
  return { total: page.offset === 0 ? 0 : await total(), rows: [] };
}

export const totalOver = sql<number>`count(*) OVER ()`;
