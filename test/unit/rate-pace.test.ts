import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { RateRule } from "../../src/ratelimit/bucket.ts";
import { pace, type PaceDecision, type PaceLimits } from "../../src/ratelimit/pace.ts";

const rule = fc.record({ limit: fc.integer({ min: 1, max: 500 }), windowSeconds: fc.integer({ min: 1, max: 60 }) });
const limits = fc.record({ toleranceMs: fc.integer({ min: 0, max: 2_000 }), maxWaitMs: fc.integer({ min: 0, max: 5_000 }) });
/** Gaps between requests in ms, so request times only move forward. */
const gaps = fc.array(fc.integer({ min: 0, max: 3_000 }), { minLength: 1, maxLength: 200 });

const interval = (r: RateRule) => (r.windowSeconds * 1000) / r.limit;
const timesOf = (steps: number[]) => steps.reduce<number[]>((acc, gap) => [...acc, (acc.at(-1) ?? 0) + gap], []);

function replay(r: RateRule, times: number[], l: PaceLimits) {
  let slot: number | undefined;
  return times.map((now) => {
    const before = slot;
    const result = pace(slot, r, now, l);
    slot = result.nextSlot;
    return { now, decision: result.decision, before };
  });
}

const servedAt = (results: { now: number; decision: PaceDecision }[]) =>
  results.flatMap(({ now, decision }) => (decision.allowed ? [now + decision.waitMs] : []));
const waitOf = (decision: PaceDecision) => (decision.allowed ? decision.waitMs : undefined);

describe("pacing a tenant to its rate", () => {
  it("serves no more than the rate allows in any span, beyond the tolerance, none waiting longer than allowed", () => {
    fc.assert(
      fc.property(rule, gaps, limits, (r, steps, l) => {
        const results = replay(r, timesOf(steps), l);
        for (const { decision } of results) if (decision.allowed) expect(decision.waitMs).toBeLessThanOrEqual(l.maxWaitMs);
        const served = servedAt(results);
        for (let i = 0; i < served.length; i++) {
          for (let j = i + 1; j < served.length; j++) expect(served[j] - served[i]).toBeGreaterThanOrEqual((j - i) * interval(r) - l.toleranceMs - 1e-6);
        }
      }),
    );
  });

  it("serves a burst at one instant at once up to the tolerance, queues what fits in the longest wait, refuses the rest", () => {
    fc.assert(
      fc.property(rule, limits, (r, l) => {
        const results = replay(r, Array(50).fill(1_000), l);
        const allowed = results.filter((x) => x.decision.allowed).length;
        expect(results.slice(0, allowed).every((x) => x.decision.allowed)).toBe(true);
        results.slice(0, allowed).forEach((x, k) => expect(waitOf(x.decision)).toBeCloseTo(Math.max(0, k * interval(r) - l.toleranceMs), 6));
        if (allowed < 50) expect(allowed * interval(r) - l.toleranceMs).toBeGreaterThan(l.maxWaitMs - 1e-6);
      }),
    );
  });

  it("never makes a request at or under the rate wait", () => {
    fc.assert(
      fc.property(rule, fc.array(fc.integer({ min: 0, max: 2_000 }), { minLength: 1, maxLength: 100 }), limits, (r, extra, l) => {
        const steps = extra.map((e) => Math.ceil(interval(r)) + e);
        expect(replay(r, timesOf(steps), l).every((x) => x.decision.allowed && x.decision.waitMs === 0)).toBe(true);
      }),
    );
  });

  it("serves a refused request that comes back after Retry-After", () => {
    fc.assert(
      fc.property(rule, gaps, limits, (r, steps, l) => {
        for (const { now, decision, before } of replay(r, timesOf(steps), l)) {
          if (decision.allowed) continue;
          expect(decision.retryAfterSeconds).toBeGreaterThanOrEqual(1);
          expect(pace(before, r, now + decision.retryAfterSeconds * 1000, l).decision.allowed).toBe(true);
        }
      }),
    );
  });
});
