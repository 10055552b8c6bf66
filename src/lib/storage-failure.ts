// Whether an error is the platform's storage failing (worth a 503 and a retry) rather than a bug
// (a 500). Recognised only by what Cloudflare documents its bindings to throw; anything unknown is a
// bug, so a new kind of failure shows up as a 500 with its stack instead of an endless retry loop.

/**
 * D1's retryable and overload errors ("List of D1_ERRORs", developers.cloudflare.com/d1/observability/debug-d1),
 * all of which the platform raises when the database, not the query, is at fault. D1 prefixes them
 * with "D1_ERROR: " and may append SQLite's code, so they are matched anywhere in the message.
 * "Network connection lost." is also what any binding's call reports when its connection drops.
 */
const D1_FAILURES = [
  "D1 DB reset because its code was updated",
  "Internal error while starting up D1 DB storage caused object to be reset",
  "Network connection lost",
  "Internal error in D1 DB storage caused object to be reset",
  "Cannot resolve D1 DB due to transient issue on remote node",
  "Can't read from request stream because client disconnected",
  "D1 DB storage operation exceeded timeout which caused object to be reset",
  "D1 DB is overloaded",
  "D1 DB's isolate exceeded its memory limit and was reset",
  "D1 DB exceeded its CPU time limit and was reset",
];

/**
 * Workers KV reports a failed operation as "KV GET failed: 503 Service Unavailable" (PUT, DELETE,
 * LIST alike). 429 is its rate limit; 5xx its own trouble. A 4xx other than 429 names a bad key or
 * value: ours to fix, so not a storage failure.
 */
const KV_FAILURE = /\bKV \w+ failed: (429|5\d\d)\b/;

interface PlatformError {
  message?: unknown;
  /** Durable Objects (developers.cloudflare.com/durable-objects/best-practices/error-handling): safe to retry. */
  retryable?: unknown;
  /** Durable Objects: the object cannot keep up. Not retried at once, but still the platform's failure. */
  overloaded?: unknown;
}

function isPlatformFailure(error: object): boolean {
  const { message, retryable, overloaded } = error as PlatformError;
  if (retryable === true || overloaded === true) return true;
  if (typeof message !== "string") return false;
  return D1_FAILURES.some((text) => message.includes(text)) || KV_FAILURE.test(message);
}

/** The error or one of its causes: Drizzle wraps D1's error in its own, as `cause`. */
export function isStorageFailure(error: unknown): boolean {
  for (let at = error, depth = 0; typeof at === "object" && at !== null && depth < 5; at = (at as Error).cause, depth++) {
    if (isPlatformFailure(at)) return true;
  }
  return false;
}
