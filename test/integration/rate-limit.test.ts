import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { DEFAULT_SETTINGS } from "../../src/tenancy/config.ts";
import { createTenant, entraUser, setSettings } from "../helpers/scim-client.ts";

describe("per-tenant rate limiting", () => {
  it("answers 429 with Retry-After over a tenant's rate, and other tenants carry on", async () => {
    const noisy = await createTenant("noisy");
    const quiet = await createTenant("quiet");
    await setSettings(noisy.name, { rateLimitPerSecond: 5 });

    const burst = await Promise.all(Array.from({ length: 20 }, () => noisy.client.get("/Users?count=1")));
    const refused = burst.filter((r) => r.status === 429);
    expect(burst.filter((r) => r.status === 200).length).toBeGreaterThanOrEqual(5);
    expect(refused.length).toBeGreaterThan(0);
    expect(Number(refused[0].headers.get("Retry-After"))).toBeGreaterThanOrEqual(1);
    expect(refused[0].body).toMatchObject({ schemas: ["urn:ietf:params:scim:api:messages:2.0:Error"], status: "429" });

    const others = await Promise.all(Array.from({ length: 20 }, () => quiet.client.get("/Users?count=1")));
    expect(others.every((r) => r.status === 200)).toBe(true);

    // After Retry-After, the noisy tenant is served again.
    await new Promise((resolve) => setTimeout(resolve, 1000 * Number(refused[0].headers.get("Retry-After"))));
    expect((await noisy.client.get("/Users?count=1")).status).toBe(200);
  });

  it("spaces a burst above the rate out to it instead of refusing it", async () => {
    const { client, name } = await createTenant("paced");
    await setSettings(name, { rateLimitPerSecond: 5 });
    const started = Date.now();
    const burst = await Promise.all(Array.from({ length: 4 }, () => client.get("/Users?count=1")));
    expect(burst.map((r) => r.status)).toEqual([200, 200, 200, 200]);
    // One request every 200 ms, less the 100 ms a tenant may run ahead: the fourth is served no
    // sooner than 500 ms after the first.
    expect(Date.now() - started).toBeGreaterThanOrEqual(500);
  });

  it("refuses a write burst over the rate with 429s and leaves nothing half-done", async () => {
    const { client, name } = await createTenant("writes");
    await setSettings(name, { rateLimitPerSecond: 10 });
    const responses = await Promise.all(Array.from({ length: 30 }, (_, i) => client.post("/Users", entraUser(`w${i}`))));
    const created = responses.filter((r) => r.status === 201).length;
    expect(responses.every((r) => r.status === 201 || r.status === 429)).toBe(true);
    expect(created).toBeGreaterThan(0);
    expect(created).toBeLessThan(30);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    expect((await client.get("/Users?count=0")).body.totalResults).toBe(created);
  });

  it("counts writes in the tenant's writer, whichever isolate they come from", async () => {
    const { name } = await createTenant("exact");
    const writer = env.WRITER.get(env.WRITER.idFromName(name));
    const policy = {
      extensions: [],
      allowedDomains: DEFAULT_SETTINGS.allowedDomains,
      deleteMode: "hard" as const,
      rate: { limit: 2, windowSeconds: 1 },
    };
    const results = [];
    for (let i = 0; i < 3; i++) results.push(await writer.create(name, "User", policy, { userName: `direct${i}` }));
    expect(results.map((r) => (r.ok ? "ok" : "error" in r ? r.error.status : r.internal.message))).toEqual(["ok", "ok", 429]);
    const refused = results[2];
    expect(!refused.ok && "error" in refused && refused.error.retryAfterSeconds).toBeGreaterThanOrEqual(1);
  });
});
