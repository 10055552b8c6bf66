// The Standard Webhooks retry schedule: the first attempt at once, then after each failure these
// waits; when the attempt after the last wait fails too, the endpoint is `failing` and stops.

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;

export const RETRY_DELAYS_MS: readonly number[] = [
  5 * SECOND,
  5 * MINUTE,
  30 * MINUTE,
  2 * HOUR,
  5 * HOUR,
  10 * HOUR,
  14 * HOUR,
  20 * HOUR,
  24 * HOUR,
];

/** How long an endpoint may be down without being marked failing: the sum of the waits (75 h 35 min 5 s). */
export const TOLERATED_DOWNTIME_MS = RETRY_DELAYS_MS.reduce((a, b) => a + b, 0);

/** After `failures` consecutive failed attempts: the wait before the next one, or null when it is failing. */
export function retryDelay(failures: number): number | null {
  return RETRY_DELAYS_MS[failures - 1] ?? null;
}
