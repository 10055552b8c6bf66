import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type Bucket, type RateRule, take } from "../../src/ratelimit/bucket.ts";

const rule = fc.record({ limit: fc.integer({ min: 1, max: 500 }), windowSeconds: fc.integer({ min: 1, max: 3600 }) });
/** Gaps between requests in ms, so request times only move forward. */
const gaps = fc.array(fc.integer({ min: 0, max: 5_000 }), { minLength: 1, maxLength: 300 });

function replay(r: RateRule, times: number[]) {
  let bucket: Bucket | undefined;
  return times.map((now) => {
    const result = take(bucket, r, now);
    bucket = result.bucket;
    return { now, decision: result.decision, bucket };
  });
}

const timesOf = (start: number, steps: number[]) => steps.reduce<number[]>((acc, gap) => [...acc, (acc.at(-1) ?? start) + gap], []);

describe("token bucket", () => {
  it("lets exactly `limit` requests through at one instant, then says when to retry", () => {
    fc.assert(
      fc.property(rule, (r) => {
        const results = replay(r, Array(r.limit + 1).fill(1_000_000));
        expect(results.filter((x) => x.decision.allowed)).toHaveLength(r.limit);
        const last = results.at(-1)?.decision;
        expect(last).toEqual({ allowed: false, retryAfterSeconds: Math.ceil(r.windowSeconds / r.limit) });
      }),
    );
  });

  it("never lets more than limit + T·limit/window through in a span of T", () => {
    fc.assert(
      fc.property(rule, gaps, (r, steps) => {
        const results = replay(r, timesOf(0, steps));
        const allowed = results.filter((x) => x.decision.allowed).map((x) => x.now);
        for (let i = 0; i < allowed.length; i++) {
          for (let j = i; j < allowed.length; j++) {
            const span = (allowed[j] - allowed[i]) / 1000;
            expect(j - i + 1).toBeLessThanOrEqual(r.limit + (span * r.limit) / r.windowSeconds + 1e-9);
          }
        }
      }),
      { numRuns: 50 },
    );
  });

  it("allows the next request once Retry-After has passed", () => {
    fc.assert(
      fc.property(rule, gaps, (r, steps) => {
        for (const { now, decision, bucket } of replay(r, timesOf(0, steps))) {
          if (decision.allowed) continue;
          expect(decision.retryAfterSeconds).toBeGreaterThanOrEqual(1);
          expect(take(bucket, r, now + decision.retryAfterSeconds * 1000).decision.allowed).toBe(true);
        }
      }),
      { numRuns: 50 },
    );
  });
});
