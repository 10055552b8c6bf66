import { DurableObject } from "cloudflare:workers";
import type { Env } from "../env.ts";
import { type Bucket, type RateDecision, type RateRule, take } from "./bucket.ts";

/**
 * One rate-limit key's bucket. A Durable Object per key (idFromName) makes the count global
 * across isolates and locations, which an in-isolate counter is not. The bucket lives in memory
 * only: a Durable Object stays resident while it gets requests, so eviction forgets only a key
 * that went quiet, whose bucket would have refilled anyway; and skipping storage keeps a check at
 * one RPC with no write to wait for.
 */
export class RateLimiter extends DurableObject<Env> {
  private bucket: Bucket | undefined;

  take(rule: RateRule): RateDecision {
    const { decision, bucket } = take(this.bucket, rule, Date.now());
    this.bucket = bucket;
    return decision;
  }
}

// While a key is refused, an isolate answers for it from memory until its Retry-After has passed,
// so a flood costs one RPC per isolate and refusal period instead of one per request.
const refusedUntil = new Map<string, number>();
const REFUSED_LIMIT = 10_000;

/** Counts one request against `key` under `rule`: allowed, or how many seconds to wait. */
export async function rateLimit(env: Env, key: string, rule: RateRule): Promise<RateDecision> {
  // The rule is part of the name: two rules on one key are two buckets.
  const name = `${rule.limit}/${rule.windowSeconds}s:${key}`;
  const now = Date.now();
  const until = refusedUntil.get(name);
  if (until !== undefined && until > now) return { allowed: false, retryAfterSeconds: Math.ceil((until - now) / 1000) };
  const decision = await env.RATE_LIMITER.get(env.RATE_LIMITER.idFromName(name)).take(rule);
  if (decision.allowed) {
    refusedUntil.delete(name);
  } else {
    if (refusedUntil.size >= REFUSED_LIMIT) refusedUntil.clear();
    refusedUntil.set(name, now + decision.retryAfterSeconds * 1000);
  }
  return decision;
}
