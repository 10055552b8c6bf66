// The console's provisioning-log components rendered with fixture data in the contract's shapes.

import { describe, expect, it } from "vitest";
import { FailureGroups } from "../../src/console/components/failure-groups.tsx";
import { HealthBadge } from "../../src/console/components/health-badge.tsx";
import { HourlyChart } from "../../src/console/components/hourly-chart.tsx";
import { LogTable } from "../../src/console/components/log-table.tsx";
import { conflict, failureGroups, health, hours, ok, unauthorized } from "../fixtures/console-log.ts";

const html = async (node: unknown) => String(await String(node));

describe("HourlyChart", () => {
  it("draws one bar per hour with requests, a failure bar where requests failed, and a day label at midnight", async () => {
    const svg = await html(HourlyChart({ buckets: hours }));
    expect(svg.match(/class="requests"/g)).toHaveLength(168);
    expect(svg.match(/class="failures"/g)).toHaveLength(hours.filter((h) => h.failures > 0).length);
    expect(svg.match(/<text[^>]*class="axis">11-\d\d</g)?.length).toBe(7);
    // The busiest hour is the scale's top, and the whole figure is summarised for a screen reader.
    expect(svg).toContain('aria-label="3730 requests, 153 failed, over 168 hours; busiest hour 60 requests"');
    expect(svg).toContain(`<title>${hours[167].hour}: 22 requests, 22 failed</title>`);
  });

  it("scales bars to the busiest hour", async () => {
    const svg = await html(
      HourlyChart({
        buckets: [
          { hour: "2026-11-30T00:00:00.000Z", requests: 10, failures: 5 },
          { hour: "2026-11-30T01:00:00.000Z", requests: 5, failures: 0 },
        ],
      }),
    );
    expect(svg).toContain('<rect x="36" y="0" width="3" height="120" class="requests">');
    expect(svg).toContain('<rect x="36" y="60" width="3" height="60" class="failures">');
    expect(svg).toContain('<rect x="40" y="60" width="3" height="60" class="requests">');
  });

  it("draws an empty week without dividing by zero", async () => {
    const svg = await html(HourlyChart({ buckets: hours.map((h) => ({ ...h, requests: 0, failures: 0 })) }));
    expect(svg).not.toContain("<rect");
    expect(svg).not.toContain("NaN");
  });
});

describe("FailureGroups", () => {
  it("lists reasons in the given order with their counts and latest examples", async () => {
    const out = await html(FailureGroups({ groups: failureGroups }));
    expect(out.indexOf("401 unauthorized")).toBeLessThan(out.indexOf("409 uniqueness"));
    expect(out).toContain("<strong>401 unauthorized</strong>: 132 requests");
    expect(out).toContain("the bearer token is not valid for this tenant");
    expect(out).toContain("<code>uniqueness</code>");
  });

  it("says so when nothing failed", async () => {
    expect(await html(FailureGroups({ groups: [] }))).toBe("<p>No failed requests.</p>");
  });
});

describe("LogTable", () => {
  it("shows each request's path with its filter, status, error, credential and correlation id; bodies only when captured", async () => {
    const out = await html(LogTable({ requests: [unauthorized, conflict, ok], caption: "Requests" }));
    expect(out).toContain("GET /scim/v2/Users?filter=userName eq &quot;alice@contoso.com&quot;");
    expect(out).toContain('<span class="status failed">401</span>');
    expect(out).toContain('<span class="status ok">200</span>');
    expect(out).toContain("OAuth client acme.0123456789abcdef");
    expect(out).toContain("8d1f2c7a-5b1e-4d3c-9a0b-2f6e7c8d9e01");
    expect(out.match(/Captured bodies/g)).toHaveLength(1);
    expect(out).toContain("{&quot;userName&quot;:&quot;bob@contoso.com&quot;}");
  });
});

describe("HealthBadge", () => {
  it("says the verdict in words with its reason", async () => {
    expect(await html(HealthBadge({ health }))).toBe(
      '<span class="badge likely_quarantined" title="likely quarantined: only 401s for 6 h">likely quarantined<span class="badge-detail">: only 401s for 6 h</span></span>',
    );
    expect(await html(HealthBadge({ health: { ...health, verdict: "healthy", summary: "healthy" } }))).toBe(
      '<span class="badge healthy" title="healthy">healthy</span>',
    );
  });
});
