import { badRequest } from "../scim/errors.ts";
import { MAX_BOUND_PARAMETERS, MAX_SQL_NESTING } from "../scim/limits.ts";

// D1 refuses a statement that binds more than 100 parameters ("too many SQL variables") or nests
// expressions deeper than 100 ("Expression tree is too large"): errors that reach the client as ours
// (a 500; a 503 before storage failures were told apart), not as its bad input. A client's filter
// decides both for the statements built from it, so those statements are measured when built, and
// refused as the filter's fault.

/**
 * How deep the SQL nests parentheses. The compiled SQL opens one per expression level (filter/compile.ts),
 * so this tracks SQLite's expression depth, which runs at most about 16 levels higher (the subquery
 * of a value filter, the statement around the filter).
 */
export function sqlNesting(text: string): number {
  let depth = 0;
  let deepest = 0;
  for (const ch of text) {
    if (ch === "(") deepest = Math.max(deepest, ++depth);
    else if (ch === ")") depth--;
  }
  return deepest;
}

/** Returns `statement` when `query` (its SQL) is within D1's bounds, else refuses the filter it came from. */
export function withinStatementLimits<T>(statement: T, query: { sql: string; params: unknown[] }): T {
  const needed = query.params.length;
  if (needed > MAX_BOUND_PARAMETERS) {
    throw badRequest(
      "invalidFilter",
      `the filter needs ${needed} bound parameters in one SQL statement, over the ${MAX_BOUND_PARAMETERS} ` +
        "that storage allows (maxBoundParameters): each comparison binds its value (sw and ew more than once, " +
        "attributes without their own column their JSON path too), while an or-chain of eq on one attribute binds one in all",
    );
  }
  const nesting = sqlNesting(query.sql);
  if (nesting > MAX_SQL_NESTING) {
    throw badRequest(
      "invalidFilter",
      `the filter compiles to SQL nested ${nesting} levels deep, over the ${MAX_SQL_NESTING} that storage allows ` +
        "(maxSqlNesting): each not, each level of parentheses and each doubling of an and/or chain adds one",
    );
  }
  return statement;
}
