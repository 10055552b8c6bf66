import type { RateRule } from "./bucket.ts";

// Paces one key's requests to its rate instead of refusing a burst: the generic cell rate algorithm
// with its burst tolerance as a bound, and waiting in place of refusal past it. Each request takes
// the next slot (one every windowSeconds/limit); it is served at once while its slot is no more
// than `toleranceMs` ahead, waits until it is otherwise, up to `maxWaitMs`, and is refused when
// that is not enough. The tolerance is for a tenant within its rate on average whose requests come
// unevenly (Entra sends several at once): without it, every request closer to the previous one than
// the interval would wait. A tenant sending faster than its rate uses up the tolerance once and is
// then served evenly spread out, so the isolate it shares with other tenants never has a burst of
// its requests to work through beyond the tolerance. One number of state per key.

// Slots are sums of fractional intervals on Date.now() values, where a double resolves about
// 0.0002 ms: less than a microsecond ahead is rounding, not a wait (nor a reason to refuse when no
// wait is allowed).
const DUST_MS = 0.001;

export type PaceDecision = { allowed: true; waitMs: number } | { allowed: false; retryAfterSeconds: number };

export interface PaceLimits {
  /** How far ahead of now the key's slots may run before a request waits for its slot. */
  toleranceMs: number;
  /** The longest a request waits; a request that would wait longer is refused. */
  maxWaitMs: number;
}

/** `nextSlot`: ms time of the key's next slot (undefined: none taken yet). Pure. */
export function pace(
  nextSlot: number | undefined,
  rule: RateRule,
  now: number,
  limits: PaceLimits,
): { decision: PaceDecision; nextSlot: number | undefined } {
  const slot = Math.max(nextSlot ?? now, now);
  const ahead = slot - limits.toleranceMs - now;
  const waitMs = ahead > DUST_MS ? ahead : 0;
  if (waitMs > limits.maxWaitMs) {
    // Whole seconds, rounded up: by then the slot is within the wait a request may make.
    const retryAfterSeconds = Math.max(1, Math.ceil((waitMs - limits.maxWaitMs) / 1000));
    return { decision: { allowed: false, retryAfterSeconds }, nextSlot };
  }
  return { decision: { allowed: true, waitMs }, nextSlot: slot + (rule.windowSeconds * 1000) / rule.limit };
}
