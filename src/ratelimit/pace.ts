import type { RateRule } from "./bucket.ts";

// Paces one key's requests to its rate instead of letting a burst through and refusing the rest:
// each request takes the next free slot (one every windowSeconds/limit) and waits for it when it
// is in the future, up to `maxWaitMs`; a request whose slot is further off is refused. A tenant
// sending faster than its rate is served evenly spread out, so the isolate it shares with other
// tenants never has a burst of its requests to work through (the generic cell rate algorithm,
// with its burst tolerance turned into waiting). One number of state per key.

export type PaceDecision = { allowed: true; waitMs: number } | { allowed: false; retryAfterSeconds: number };

/** `nextSlot`: ms time of the key's next free slot (undefined: none taken yet). Pure. */
export function pace(
  nextSlot: number | undefined,
  rule: RateRule,
  now: number,
  maxWaitMs: number,
): { decision: PaceDecision; nextSlot: number | undefined } {
  const slot = Math.max(nextSlot ?? now, now);
  const waitMs = slot - now;
  if (waitMs > maxWaitMs) {
    // Whole seconds, rounded up: by then the slot is within the wait a request may make.
    const retryAfterSeconds = Math.max(1, Math.ceil((waitMs - maxWaitMs) / 1000));
    return { decision: { allowed: false, retryAfterSeconds }, nextSlot };
  }
  return { decision: { allowed: true, waitMs }, nextSlot: slot + (rule.windowSeconds * 1000) / rule.limit };
}
