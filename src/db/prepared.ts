import { memoized } from "../lib/memo.ts";
import type { Database } from "./client.ts";

// Drizzle prepared statements (`.prepare()` with `sql.placeholder`): the SQL text is built once per
// isolate and statement, not per request. Building it walks drizzle's query objects, which a CPU
// profile showed as the largest share of a hot request's own work; the hot read (a user by id)
// takes this path. Keyed by the database instance, which
// db/client.ts keeps one of per binding, and a name: fixed in code, or a list request's shape.
const statementsOf = memoized((_db: Database) => new Map<string, unknown>());
// Shapes come from clients' filters: a bound on what an isolate keeps, far above what Entra's
// handful of filter shapes needs.
const MAX_PER_DATABASE = 500;

export function prepared<T>(db: Database, name: string, build: (db: Database) => T): T {
  const cache = statementsOf(db);
  let statement = cache.get(name) as T | undefined;
  if (statement === undefined) {
    statement = build(db);
    if (cache.size >= MAX_PER_DATABASE) cache.clear();
    cache.set(name, statement);
  }
  return statement;
}
