// The health verdict (README: Provisioning log): a tenant's log read against Entra's quarantine rule.
// Entra quarantines an app when more than 40% of its requests fail (judged over about 5,000
// failures), at 40,000 failures, or when it cannot authenticate: a run of nothing but 401s.

import type { HealthWindow, Verdict } from "./read.ts";

/** Entra's line: above this share of failing requests it quarantines. */
export const QUARANTINE_RATIO = 0.4;
/** About how many failures Entra judges the ratio over; fewer is a warning, not yet a quarantine. */
export const QUARANTINE_SAMPLE = 5000;
/** Failures that quarantine whatever the ratio. */
export const QUARANTINE_FAILURES = 40_000;
/** Half of Entra's line: far enough from it to act before Entra does. */
export const AT_RISK_RATIO = 0.2;
/** A run of only 401s this long means Entra cannot authenticate and has most likely given up. */
export const UNAUTHORIZED_RUN_MS = 2 * 3_600_000;

/** What the verdict reads of a window: its counts. */
export type WindowCounts = Pick<HealthWindow, "requests" | "failures" | "failureRatio">;

export interface VerdictInput {
  last24h: WindowCounts;
  last7d: WindowCounts;
  /** Time of the oldest 401 in the unbroken run of 401s that ends with the latest request; null when the latest request was no 401. */
  unauthorizedSince: string | null;
  now: Date;
}

const percent = (ratio: number) => `${Math.round(ratio * 100)}%`;
const hours = (ms: number) => Math.floor(ms / 3_600_000);

/**
 * In order: no request in 24 h -> idle; only 401s for 2 h or more -> likely quarantined; over 40%
 * failing in 24 h with Entra's sample of failures (or 40,000 failures in 7 days) -> likely
 * quarantined; 20% or more failing in 24 h -> at risk; otherwise healthy.
 */
export function verdictOf(input: VerdictInput): { verdict: Verdict; summary: string } {
  const { last24h, last7d, unauthorizedSince, now } = input;
  if (last24h.requests === 0) return { verdict: "idle", summary: "idle: no requests in 24 h" };
  if (unauthorizedSince !== null) {
    const run = now.getTime() - Date.parse(unauthorizedSince);
    if (run >= UNAUTHORIZED_RUN_MS) return { verdict: "likely_quarantined", summary: `likely quarantined: only 401s for ${hours(run)} h` };
  }
  const ratio = last24h.failureRatio;
  if ((ratio > QUARANTINE_RATIO && last24h.failures >= QUARANTINE_SAMPLE) || last7d.failures >= QUARANTINE_FAILURES) {
    return { verdict: "likely_quarantined", summary: `likely quarantined: ${percent(Math.max(ratio, last7d.failureRatio))} failing` };
  }
  if (ratio >= AT_RISK_RATIO) return { verdict: "at_risk", summary: `at risk: ${percent(ratio)} failing` };
  return { verdict: "healthy", summary: "healthy" };
}
