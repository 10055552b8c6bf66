// A token bucket: bursts of up to `limit` requests, refilled continuously at limit/windowSeconds, so
// any span of T seconds lets at most limit + T·limit/windowSeconds through. It needs two numbers of
// state per key (a sliding log would need one entry per request), and it knows exactly when the
// next request will be allowed, which is what Retry-After (RFC 9110 §10.2.3) wants.

export interface RateRule {
  limit: number;
  windowSeconds: number;
}

export type RateDecision = { allowed: true } | { allowed: false; retryAfterSeconds: number };

export interface Bucket {
  tokens: number;
  updatedAt: number;
}

/** Takes one token at `now` (ms). Returns the decision and the bucket's next state; pure. */
export function take(bucket: Bucket | undefined, rule: RateRule, now: number): { decision: RateDecision; bucket: Bucket } {
  const perMs = rule.limit / (rule.windowSeconds * 1000);
  const elapsed = bucket ? Math.max(0, now - bucket.updatedAt) : Number.POSITIVE_INFINITY;
  const tokens = Math.min(rule.limit, (bucket?.tokens ?? rule.limit) + elapsed * perMs);
  // The tolerance absorbs floating-point dust from refills, so waiting exactly Retry-After works.
  if (tokens >= 1 - 1e-9) return { decision: { allowed: true }, bucket: { tokens: Math.max(0, tokens - 1), updatedAt: now } };
  // Whole seconds, rounded up: a client that waits exactly this long finds a token. Computed from
  // the integers, so a whole number of seconds per token comes out exact.
  const retryAfterSeconds = Math.max(1, Math.ceil(((1 - tokens) * rule.windowSeconds) / rule.limit));
  return { decision: { allowed: false, retryAfterSeconds }, bucket: { tokens, updatedAt: now } };
}
