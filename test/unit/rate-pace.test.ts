import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { RateRule } from "../../src/ratelimit/bucket.ts";
import { pace, type PaceDecision } from "../../src/ratelimit/pace.ts";

const rule = fc.record({ limit: fc.integer({ min: 1, max: 500 }), windowSeconds: fc.integer({ min: 1, max: 60 }) });
const maxWait = fc.integer({ min: 0, max: 5_000 });
/** Gaps between requests in ms, so request times only move forward. */
const gaps = fc.array(fc.integer({ min: 0, max: 3_000 }), { minLength: 1, maxLength: 200 });

const interval = (r: RateRule) => (r.windowSeconds * 1000) / r.limit;
const timesOf = (steps: number[]) => steps.reduce<number[]>((acc, gap) => [...acc, (acc.at(-1) ?? 0) + gap], []);

function replay(r: RateRule, times: number[], maxWaitMs: number) {
  let slot: number | undefined;
  return times.map((now) => {
    const before = slot;
    const result = pace(slot, r, now, maxWaitMs);
    slot = result.nextSlot;
    return { now, decision: result.decision, before };
  });
}

const servedAt = (results: { now: number; decision: PaceDecision }[]) =>
  results.flatMap(({ now, decision }) => (decision.allowed ? [now + decision.waitMs] : []));

describe("pacing a tenant to its rate", () => {
  it("serves requests at least windowSeconds/limit apart, none waiting longer than allowed", () => {
    fc.assert(
      fc.property(rule, gaps, maxWait, (r, steps, max) => {
        const results = replay(r, timesOf(steps), max);
        for (const { decision } of results) if (decision.allowed) expect(decision.waitMs).toBeLessThanOrEqual(max);
        const served = servedAt(results);
        for (let i = 1; i < served.length; i++) expect(served[i] - served[i - 1]).toBeGreaterThanOrEqual(interval(r) - 1e-6);
      }),
    );
  });

  it("queues what fits in the longest wait from a burst at one instant and refuses the rest", () => {
    fc.assert(
      fc.property(rule, maxWait, (r, max) => {
        const results = replay(r, Array(50).fill(1_000), max);
        const allowed = results.filter((x) => x.decision.allowed).length;
        expect((allowed - 1) * interval(r)).toBeLessThanOrEqual(max + 1e-6);
        if (allowed < 50) expect(allowed * interval(r)).toBeGreaterThan(max - 1e-6);
        expect(results.slice(0, allowed).every((x) => x.decision.allowed)).toBe(true);
      }),
    );
  });

  it("never makes a request at or under the rate wait", () => {
    fc.assert(
      fc.property(rule, fc.array(fc.integer({ min: 0, max: 2_000 }), { minLength: 1, maxLength: 100 }), maxWait, (r, extra, max) => {
        const steps = extra.map((e) => Math.ceil(interval(r)) + e);
        expect(replay(r, timesOf(steps), max).every((x) => x.decision.allowed && x.decision.waitMs === 0)).toBe(true);
      }),
    );
  });

  it("serves a refused request that comes back after Retry-After", () => {
    fc.assert(
      fc.property(rule, gaps, maxWait, (r, steps, max) => {
        for (const { now, decision, before } of replay(r, timesOf(steps), max)) {
          if (decision.allowed) continue;
          expect(decision.retryAfterSeconds).toBeGreaterThanOrEqual(1);
          expect(pace(before, r, now + decision.retryAfterSeconds * 1000, max).decision.allowed).toBe(true);
        }
      }),
    );
  });
});
