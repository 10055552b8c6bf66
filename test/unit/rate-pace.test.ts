import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { RateRule } from "../../src/ratelimit/bucket.ts";
import { pace, type PaceDecision, type PaceLimits } from "../../src/ratelimit/pace.ts";

const rule = fc.record({ limit: fc.integer({ min: 1, max: 500 }), windowSeconds: fc.integer({ min: 1, max: 60 }) });
const limits = fc.record({ toleranceMs: fc.integer({ min: 0, max: 2_000 }), maxWaitMs: fc.integer({ min: 0, max: 5_000 }) });
// Gaps between requests in ms, so request times only move forward: long histories, many gaps
// short enough to run a tenant past its rate.
const gaps = fc.array(fc.oneof(fc.integer({ min: 0, max: 20 }), fc.integer({ min: 0, max: 3_000 })), {
  minLength: 1,
  maxLength: 200,
  size: "max",
});

// Request times as Date.now() gives them today: slots are sums of fractional intervals on numbers
// this large, so comparisons allow for the floating-point dust (far under the 1 ms sleeps round to).
const NOW = 1.7e12;
const EPSILON = 0.01;

const interval = (r: RateRule) => (r.windowSeconds * 1000) / r.limit;
const timesOf = (steps: number[]) => steps.reduce<number[]>((acc, gap) => [...acc, (acc.at(-1) ?? NOW) + gap], []);

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
        // The smallest margin of any span [i, j] over the bound: (j - i) slots less the tolerance.
        let margin = Number.POSITIVE_INFINITY;
        for (let i = 0; i < served.length; i++) {
          for (let j = i + 1; j < served.length; j++)
            margin = Math.min(margin, served[j] - served[i] - ((j - i) * interval(r) - l.toleranceMs));
        }
        expect(margin).toBeGreaterThanOrEqual(-EPSILON);
      }),
    );
  });

  it("serves a burst at one instant at once up to the tolerance, queues what fits in the longest wait, refuses the rest", () => {
    fc.assert(
      fc.property(rule, limits, (r, l) => {
        const results = replay(r, Array(50).fill(NOW), l);
        const allowed = results.filter((x) => x.decision.allowed).length;
        expect(results.slice(0, allowed).every((x) => x.decision.allowed)).toBe(true);
        results
          .slice(0, allowed)
          .forEach(
            (x, k) => void expect(Math.abs(waitOf(x.decision)! - Math.max(0, k * interval(r) - l.toleranceMs))).toBeLessThan(EPSILON),
          );
        if (allowed < 50) expect(allowed * interval(r) - l.toleranceMs).toBeGreaterThan(l.maxWaitMs - EPSILON);
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

  it("never makes a tenant within its rate wait for bursts the tolerance covers", () => {
    fc.assert(
      fc.property(
        rule,
        limits,
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 1_000 })), { minLength: 1, maxLength: 50 }),
        (r, l, bursts) => {
          const largest = 1 + Math.floor(l.toleranceMs / interval(r));
          const times: number[] = [];
          let at = NOW;
          for (const [size, extra] of bursts) {
            const n = 1 + (size % largest);
            times.push(...Array(n).fill(at));
            // The next burst comes no sooner than this one's share of the rate allows.
            at += Math.ceil(n * interval(r)) + extra;
          }
          expect(replay(r, times, l).every((x) => x.decision.allowed && x.decision.waitMs === 0)).toBe(true);
        },
      ),
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
