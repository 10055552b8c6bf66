import { fillPlaceholders, type SQL, sql } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { DrizzleQueryError } from "drizzle-orm/errors";
import { memoized } from "../lib/memo.ts";
import { withinStatementLimits } from "./budget.ts";
import { prepared } from "./prepared.ts";
import * as schema from "./schema.ts";

const connect = (d1: D1Database) => drizzle(d1, { schema });
export type Database = ReturnType<typeof connect>;

// drizzle() walks the whole schema to build its relational config: a tenth of a list request's
// CPU when done per request. One instance per binding object, for as long as the isolate keeps it.
export const database: (d1: D1Database) => Database = memoized(connect);

/**
 * One page of a list request, as a prepared statement: `where` (with the `tenantId` placeholder
 * and the filter's literals as placeholders) and `order` render to the same SQL for the same
 * `shape`, and `values` fill the placeholders.
 */
export interface ListQuery {
  where?: SQL;
  /** ORDER BY from sortBy; by default the primary key, stable across pages. */
  order?: SQL;
  shape: string;
  values: Record<string, unknown>;
  offset: number;
  limit: number;
}

/** Where a list query names its tenant: bound per request, so one statement serves every tenant. */
export const TENANT = sql.placeholder("tenantId");

export type Statement = Parameters<Database["batch"]>[0][number];

type BuiltStatement = { sql: string; params: unknown[] };
const built = (statement: Statement) => (statement as unknown as { toSQL(): BuiltStatement }).toSQL();

// D1's error for a failed batch names no statement, so it is carried as drizzle carries a failed
// query's: with the batch's SQL and without its bound values (lib/error-report.ts).
function batchFailure(error: unknown, statements: readonly BuiltStatement[]): unknown {
  if (!(error instanceof Error) || error instanceof DrizzleQueryError) return error;
  return new DrizzleQueryError(statements.map((s) => s.sql).join("; "), [], error);
}

/** One atomic D1 batch of any number of statements (drizzle types it as a non-empty tuple). */
export async function runBatch(db: Database, statements: readonly Statement[]) {
  try {
    return await db.batch(statements as unknown as [Statement, ...Statement[]]);
  } catch (error) {
    throw batchFailure(error, statements.map(built));
  }
}

/**
 * A write's batch whose SQL is built once per isolate (db/prepared.ts), with `sql.placeholder`s
 * filled from `values` on each call, and `after`, built for the call, in the same atomic batch.
 * Answers D1's own results: rows under their SQL column names.
 */
export async function runPreparedBatch(
  db: Database,
  name: string,
  build: (db: Database) => readonly Statement[],
  values: Record<string, unknown>,
  after: readonly Statement[] = [],
): Promise<D1Result[]> {
  const statements = [...prepared(db, name, (d) => build(d).map(built)), ...after.map(built)];
  const d1 = db.$client;
  try {
    return await d1.batch(statements.map(({ sql, params }) => d1.prepare(sql).bind(...fillPlaceholders(params, values))));
  } catch (error) {
    throw batchFailure(error, statements);
  }
}

/** A list request's prepared statement, named for db/prepared.ts by its purpose and the query's shape. */
export interface ListStatement<Row> {
  name: string;
  build: (db: Database) => { all(values: Record<string, unknown>): Promise<Row[]>; getQuery(): { sql: string; params: unknown[] } };
}

// Shapes come from clients' filters. prepared.ts keeps at most 500 statements; a long shape (tens of
// KB of SQL) is built for its request and not kept, so hostile filters cannot fill an isolate's memory.
// Entra's shapes are about 100 characters.
const MAX_KEPT_SHAPE = 1000;

/**
 * A page of rows and the total they are a page of, in one statement: each row carries
 * `count(*) OVER ()`. Only an empty page needs the separate count (count=0, or past the end).
 */
export async function listPage<Row extends { total: number }>(
  db: Database,
  tenantId: string,
  query: ListQuery,
  page: ListStatement<Row>,
  count: ListStatement<{ total: number }>,
): Promise<{ total: number; rows: Row[] }> {
  const values = { ...query.values, tenantId, limit: query.limit, offset: query.offset };
  const run = <R>(statement: ListStatement<R>) => {
    const build = (db: Database) => {
      const built = statement.build(db);
      return withinStatementLimits(built, built.getQuery());
    };
    const kept = query.shape.length <= MAX_KEPT_SHAPE;
    return (kept ? prepared(db, `${statement.name}:${query.shape}`, build) : build(db)).all(values);
  };
  const total = async () => (await run(count))[0].total;
  if (query.limit === 0) return { total: await total(), rows: [] };
  const found = await run(page);
  if (found.length > 0) return { total: found[0].total, rows: found };
  return { total: query.offset === 0 ? 0 : await total(), rows: [] };
}

export const totalOver = sql<number>`count(*) OVER ()`;
