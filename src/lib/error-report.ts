import { DrizzleQueryError } from "drizzle-orm/errors";

// What the log says of a failure that is not the client's. A bug, wherever it is thrown, ends as a
// 500 and one log line with its stack, so the operator sees where it happened. Workers RPC carries
// only an Error's name and message, so a bug inside the tenant's writer travels back to the Worker
// as a report and is rebuilt there with the writer's stack.

export interface ErrorReport {
  name: string;
  message: string;
  stack?: string;
}

/**
 * What may be logged of an error. Drizzle puts a failed query's bound values in its message, and
 * those are attribute values (userNames, emails), which logs never carry: the report keeps the SQL
 * and what D1 said instead.
 */
export function reportOf(error: unknown): ErrorReport {
  if (!(error instanceof Error)) return { name: typeof error, message: String(error) };
  if (!(error instanceof DrizzleQueryError)) return { name: error.name, message: error.message, stack: error.stack };
  const cause = error.cause instanceof Error ? error.cause.message : String(error.cause);
  const message = `${cause} (in: ${error.query})`;
  return { name: error.name, message, stack: error.stack?.replace(error.message, message) };
}

/** The Worker-side stand-in for an error thrown in another isolate, with that isolate's stack. */
export function errorFrom(report: ErrorReport): Error {
  return Object.assign(new Error(report.message), { name: report.name, stack: report.stack });
}

export function logInternalError(error: unknown) {
  console.error(JSON.stringify({ level: "error", event: "internal_error", ...reportOf(error) }));
}

/** `event` says where storage failed: in a write, a read, or the call to the tenant's writer. */
export function logStorageFailure(event: string, error: unknown) {
  console.error(JSON.stringify({ level: "error", event, error: reportOf(error).message }));
}
