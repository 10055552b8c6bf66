import { describe, expect, it } from "vitest";
import type { HealthWindow } from "../../src/requests/read.ts";
import { redactBody } from "../../src/requests/redact.ts";
import { verdictOf } from "../../src/requests/verdict.ts";

// The health verdict against Entra's quarantine rule (README: Provisioning log), case by case.

const NOW = new Date("2026-11-30T12:00:00.000Z");
const hoursAgo = (h: number) => new Date(NOW.getTime() - h * 3_600_000).toISOString();

const window = (requests: number, failures: number): HealthWindow => ({
  requests,
  failures,
  failureRatio: requests === 0 ? 0 : failures / requests,
  byStatus: {},
  byScimType: {},
  p50Ms: null,
  p95Ms: null,
  lastRequestAt: null,
});

describe("verdictOf", () => {
  const cases: { name: string; day: [number, number]; week?: [number, number]; run?: string; expected: [string, string] }[] = [
    { name: "no requests in 24 h", day: [0, 0], week: [50, 40], expected: ["idle", "idle: no requests in 24 h"] },
    { name: "a few failures", day: [1000, 50], expected: ["healthy", "healthy"] },
    { name: "just under a fifth failing", day: [1000, 199], expected: ["healthy", "healthy"] },
    { name: "37% failing", day: [1000, 370], expected: ["at_risk", "at risk: 37% failing"] },
    { name: "over 40% failing, fewer failures than Entra judges over", day: [1000, 450], expected: ["at_risk", "at risk: 45% failing"] },
    {
      name: "over 40% failing with Entra's sample",
      day: [12_000, 6000],
      expected: ["likely_quarantined", "likely quarantined: 50% failing"],
    },
    {
      name: "40,000 failures in 7 days",
      day: [10_000, 100],
      week: [200_000, 40_000],
      expected: ["likely_quarantined", "likely quarantined: 20% failing"],
    },
    {
      name: "only 401s for 2 h",
      day: [30, 24],
      run: hoursAgo(2),
      expected: ["likely_quarantined", "likely quarantined: only 401s for 2 h"],
    },
    {
      name: "only 401s for 5 h",
      day: [30, 24],
      run: hoursAgo(5.5),
      expected: ["likely_quarantined", "likely quarantined: only 401s for 5 h"],
    },
    { name: "only 401s for an hour: not yet", day: [100, 10], run: hoursAgo(1), expected: ["healthy", "healthy"] },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const last24h = window(...c.day);
      const last7d = c.week ? window(...c.week) : last24h;
      const { verdict, summary } = verdictOf({ last24h, last7d, unauthorizedSince: c.run ?? null, now: NOW });
      expect([verdict, summary]).toEqual(c.expected);
    });
  }
});

describe("redactBody", () => {
  it("replaces secrets by attribute name at any depth and by a PATCH operation's path", () => {
    const body = {
      userName: "a@b.c",
      password: "p1",
      nested: [{ clientSecret: "s1", value: "kept" }],
      Operations: [
        { op: "replace", path: "password", value: "p2" },
        { op: "replace", value: { password: "p3", active: true } },
      ],
    };
    const redacted = redactBody(JSON.stringify(body), "application/scim+json") ?? "";
    for (const secret of ["p1", "s1", "p2", "p3"]) expect(redacted).not.toContain(`"${secret}"`);
    expect(JSON.parse(redacted)).toMatchObject({
      userName: "a@b.c",
      nested: [{ value: "kept" }],
      Operations: [{}, { value: { active: true } }],
    });
  });

  it("redacts form fields of a token request, keeps nothing it cannot parse, and cuts long bodies", () => {
    expect(redactBody("grant_type=client_credentials&client_secret=abc&client_assertion=xyz", "application/x-www-form-urlencoded")).toBe(
      "grant_type=client_credentials&client_secret=%5Bredacted%5D&client_assertion=%5Bredacted%5D",
    );
    expect(redactBody('{"password": "open', "application/json")).not.toContain("open");
    expect(redactBody("", "application/json")).toBeNull();
    expect(redactBody(JSON.stringify({ d: "x".repeat(10_000) }), undefined)?.length).toBeLessThan(8300);
  });
});
