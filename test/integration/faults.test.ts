import { abortAllDurableObjects, env } from "cloudflare:test";
import { afterEach, describe, expect, it } from "vitest";
import { createTenant, entraUser, PATCH_OP, q } from "../helpers/scim-client.ts";

// Faults injected into the real storage: a SQLite trigger makes D1 refuse one statement of a write's
// batch, after others of the same batch already ran; and the Durable Objects are reset mid-burst.

const failOnEmail = (value: string) =>
  env.DB.exec(
    `CREATE TRIGGER IF NOT EXISTS inject_failure BEFORE INSERT ON user_emails WHEN NEW.value = '${value}' BEGIN SELECT RAISE(ABORT, 'injected storage failure'); END`,
  );

afterEach(async () => {
  await env.DB.exec("DROP TRIGGER IF EXISTS inject_failure");
});

describe("storage faults", () => {
  it("answers 503 with Retry-After when D1 fails inside a create, and leaves no partial state", async () => {
    const { client, name } = await createTenant();
    await failOnEmail("doomed@contoso.com");
    const response = await client.post("/Users", entraUser("doomed", { emails: [{ type: "work", value: "doomed@contoso.com" }] }));
    expect(response.status).toBe(503);
    expect(response.headers.get("Retry-After")).toBe("30");
    expect(response.body).toMatchObject({ schemas: ["urn:ietf:params:scim:api:messages:2.0:Error"], status: "503" });
    // The users row went in before the email insert failed: the batch rolled it back.
    const rows = await env.DB.prepare("SELECT count(*) AS n FROM users WHERE tenant_id = ?").bind(name).first<{ n: number }>();
    expect(rows?.n).toBe(0);
    // The writer goes on: the next write of the tenant works, and Entra's retry succeeds once storage is back.
    expect((await client.post("/Users", entraUser("next_user"))).status).toBe(201);
    await env.DB.exec("DROP TRIGGER inject_failure");
    expect((await client.post("/Users", entraUser("doomed", { emails: [{ type: "work", value: "doomed@contoso.com" }] }))).status).toBe(
      201,
    );
  });

  it("leaves a user byte-for-byte unchanged when D1 fails inside a PATCH", async () => {
    const { client, name } = await createTenant();
    const user = (await client.post("/Users", entraUser("steady"))).body;
    const before = await env.DB.prepare("SELECT * FROM users WHERE tenant_id = ? AND id = ?").bind(name, user.id).first();
    await failOnEmail("bad@contoso.com");
    const response = await client.patch(`/Users/${user.id}`, {
      schemas: [PATCH_OP],
      Operations: [
        { op: "replace", path: "displayName", value: "Changed" },
        { op: "add", path: "emails", value: [{ value: "bad@contoso.com" }] },
      ],
    });
    expect(response.status).toBe(503);
    expect(await env.DB.prepare("SELECT * FROM users WHERE tenant_id = ? AND id = ?").bind(name, user.id).first()).toEqual(before);
    const emails = await env.DB.prepare("SELECT value FROM user_emails WHERE tenant_id = ? AND user_id = ?").bind(name, user.id).all();
    expect(emails.results).toEqual([{ value: "steady@testuser.com" }]);
  });

  it("loses no acknowledged write when the Durable Objects are reset in the middle of a burst", async () => {
    const { client } = await createTenant();
    const names = Array.from({ length: 200 }, (_, i) => `burst_${i}`);
    const pending = names.map((n) => client.post("/Users", entraUser(n)));
    // Reset the writers as soon as the first write of the burst is acknowledged: the rest are queued
    // in, or on their way to, the writer that goes away.
    await Promise.race(pending);
    await abortAllDurableObjects();
    const responses = await Promise.all(pending);
    const statuses = responses.map((r) => r.status);
    expect(
      statuses.every((s) => s === 201 || s === 503),
      JSON.stringify(statuses),
    ).toBe(true);
    // The reset hit writes in flight (they got a retryable 503, not a 500) after one was acknowledged.
    expect(statuses).toContain(201);
    expect(statuses).toContain(503);
    // Every acknowledged create is there.
    for (const [i, response] of responses.entries()) {
      if (response.status !== 201) continue;
      const found = await client.get(`/Users?filter=${q(`userName eq "${names[i]}"`)}`);
      expect(found.body.Resources[0]?.id, names[i]).toBe(response.body.id);
    }
    // Entra retries the rest: each lands once (or was there already), never twice.
    for (const [i, response] of responses.entries()) {
      if (response.status === 201) continue;
      expect([201, 409]).toContain((await client.post("/Users", entraUser(names[i]))).status);
    }
    expect((await client.get("/Users?count=0")).body.totalResults).toBe(200);
  }, 60_000);
});
