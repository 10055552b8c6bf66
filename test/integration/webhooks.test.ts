// Webhooks at the HTTP level (README: Webhooks): endpoints added through the admin API, SCIM writes
// as Entra sends them, and the receiver as the stubbed outbound fetch, verified with the Standard
// Webhooks reference package. Delivery runs in the tenant's writer's alarm, as deployed; where a
// test needs hours to pass, it runs the same delivery pass with a clock it moves.

import { abortAllDurableObjects, createExecutionContext, createScheduledController, env, waitOnExecutionContext } from "cloudflare:test";
import { afterEach, describe, expect, it, vi } from "vitest";
import { database } from "../../src/db/client.ts";
import worker from "../../src/index.ts";
import { deliverDue } from "../../src/webhooks/deliver.ts";
import { RETRY_DELAYS_MS, TOLERATED_DOWNTIME_MS } from "../../src/webhooks/schedule.ts";
import { insertEndpoint } from "../../src/webhooks/store.ts";
import { adminGet, adminRequest, createAdminKey } from "../helpers/admin.ts";
import { createTenant, entraUser, PATCH_OP, type Tenant } from "../helpers/scim-client.ts";
import { type Answer, addWebhook, receiver, verified } from "../helpers/webhooks.ts";

afterEach(() => {
  vi.restoreAllMocks();
});

const db = () => database(env.DB);

async function tenantWithKey() {
  const tenant = await createTenant("wh");
  const { key } = await createAdminKey(tenant.name);
  return { tenant, key };
}

async function createUsers(tenant: Tenant, n: number) {
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const created = await tenant.client.post("/Users", entraUser(`u${i}-${crypto.randomUUID().slice(0, 6)}`));
    expect(created.status).toBe(201);
    ids.push(created.body.id);
  }
  return ids;
}

const feed = async (tenant: string, key: string) => (await adminGet(`/tenants/${tenant}/events?limit=1000`, key)).body.events;
const hookOf = async (tenant: string, key: string, id: string) => (await adminGet(`/tenants/${tenant}/webhooks/${id}`, key)).body;
const seqs = (n: number, from = 1) => Array.from({ length: n }, (_, i) => from + i);

/**
 * An endpoint stored without asking the writer for a pass, from seq 1: the test runs the passes
 * itself, with its own clock. Its events were written before it existed, so no alarm is armed.
 */
async function quietEndpoint(tenant: string, url = "https://hooks.example.com/quiet") {
  const id = `wh_${crypto.randomUUID().replaceAll("-", "").slice(0, 16)}`;
  const secret = `whsec_${btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(32))))}`;
  await insertEndpoint(db(), tenant, { id, url, types: null, secret, createdAt: new Date().toISOString() }, 10);
  // Straight to seq 0, past what redeliver would do for pruned events.
  await env.DB.prepare("UPDATE webhook_endpoints SET position = 0 WHERE tenant_id = ? AND id = ?").bind(tenant, id).run();
  return { id, secret };
}

/** Delivery passes at a clock that jumps to each pass's next due time, until nothing is due. */
async function passesUntilIdle(tenant: string, start = Date.now(), maxPasses = 200) {
  let clock = start;
  const clocks: number[] = [];
  for (let i = 0; i < maxPasses; i++) {
    clocks.push(clock);
    const next = await deliverDue(db(), tenant, { now: () => clock, fetch: (input, init) => fetch(input, init) });
    if (next === null) return { clock, clocks };
    clock = Math.max(clock, next);
  }
  throw new Error("delivery never settled");
}

describe("webhook delivery", () => {
  it("sends every event in seq order, signed, with the events API's exact JSON", async () => {
    const { tenant, key } = await tenantWithKey();
    const rx = receiver();
    const hook = await addWebhook(tenant.name, key, "https://hooks.example.com/scim");
    expect(hook.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    const [id] = await createUsers(tenant, 2);
    await tenant.client.patch(`/Users/${id}`, { schemas: [PATCH_OP], Operations: [{ op: "replace", path: "active", value: "False" }] });
    const group = await tenant.client.post("/Groups", { displayName: "Sales", members: [{ value: id }] });
    expect(group.status).toBe(201);
    await tenant.client.delete(`/Users/${id}`);

    const events = await feed(tenant.name, key);
    expect(events.length).toBeGreaterThanOrEqual(6);
    await vi.waitFor(() => expect(rx.acked()).toEqual(events.map((e: any) => e.seq)), { timeout: 10_000 });
    rx.received.forEach((r, i) => {
      expect(r.url).toBe("https://hooks.example.com/scim");
      expect(r.headers["content-type"]).toBe("application/json");
      expect(r.body).toBe(JSON.stringify(events[i]));
      expect(verified(r, hook.secret)).toEqual(events[i]);
      expect(Math.abs(Number(r.headers["webhook-timestamp"]) - Date.now() / 1000)).toBeLessThan(60);
    });
    // A receiver holding another secret, or a body changed on the way, is refused.
    const [first] = rx.received;
    expect(() => verified(first, `whsec_${btoa("x".repeat(32))}`)).toThrow();
    expect(() => verified({ ...first, body: first.body.replace('"seq":1', '"seq":2') }, hook.secret)).toThrow();
    const stored = await hookOf(tenant.name, key, hook.id);
    expect(stored).toMatchObject({ status: "active", position: events.at(-1).seq, attempts: 0 });
  });

  it("keeps seq order across 500s, timeouts and connection errors: N+1 only after N got a 2xx", async () => {
    const { tenant, key } = await tenantWithKey();
    await createUsers(tenant, 12);
    const pattern: Answer[] = [500, "timeout", 200, 200, "connection", 503, "timeout", 200, 429, 200, 200];
    const rx = receiver((_r, i) => pattern[i % pattern.length]);
    const hook = await quietEndpoint(tenant.name);
    await passesUntilIdle(tenant.name);

    expect(rx.acked()).toEqual(seqs(12));
    let lastAcked = 0;
    for (const r of rx.received) {
      expect(r.event.seq).toBe(lastAcked + 1);
      if (r.answer !== "error" && r.answer < 300) lastAcked = r.event.seq;
      verified(r, hook.secret);
    }
    expect(await hookOf(tenant.name, key, hook.id)).toMatchObject({ status: "active", position: 12, attempts: 0, nextAttemptAt: null });
  });

  it("loses nothing when the writer is reset mid-delivery", async () => {
    const { tenant, key } = await tenantWithKey();
    let release: (status: number) => void = () => {};
    const hung = new Promise<number>((resolve) => {
      release = resolve;
    });
    const rx = receiver((_r, i) => (i === 2 ? hung : 200));
    const hook = await addWebhook(tenant.name, key, "https://hooks.example.com/reset");
    await createUsers(tenant, 5);
    await vi.waitFor(() => expect(rx.acked()).toEqual([1, 2]), { timeout: 10_000 });
    await vi.waitFor(() => expect(fetch).toHaveBeenCalledTimes(3));

    await abortAllDurableObjects();
    release(200);
    // The next write wakes a new instance of the writer, which resumes from the stored position.
    await createUsers(tenant, 1);
    await vi.waitFor(() => expect(rx.acked().filter((s) => s >= 3)).toEqual(seqs(4, 3)), { timeout: 10_000 });
    expect(rx.received.map((r) => r.event.seq).filter((s) => s >= 3)[0]).toBe(3);
    for (const r of rx.received) verified(r, hook.secret);
    expect(await hookOf(tenant.name, key, hook.id)).toMatchObject({ status: "active", position: 6 });
  });

  it("retries on the Standard Webhooks schedule, then marks the endpoint failing; enable resumes from the first undelivered event", async () => {
    const { tenant, key } = await tenantWithKey();
    await createUsers(tenant, 2);
    const rx = receiver(() => 500);
    const hook = await quietEndpoint(tenant.name);
    const start = Date.now();

    // Not due before its wait: a pass 1 ms early sends nothing and names the due time.
    const first = await deliverDue(db(), tenant.name, { now: () => start, fetch: (i, init) => fetch(i, init) });
    expect(first).toBe(start + 5_000);
    expect(await deliverDue(db(), tenant.name, { now: () => start + 4_999, fetch: (i, init) => fetch(i, init) })).toBe(start + 5_000);
    expect(rx.received).toHaveLength(1);

    const { clocks } = await passesUntilIdle(tenant.name, start + 5_000);
    const attemptTimes = [start, ...clocks];
    expect(rx.received).toHaveLength(10);
    expect(rx.received.every((r) => r.event.seq === 1)).toBe(true);
    for (const r of rx.received) verified(r, hook.secret);
    expect(attemptTimes.slice(1).map((t, i) => t - attemptTimes[i])).toEqual(RETRY_DELAYS_MS);
    expect(TOLERATED_DOWNTIME_MS).toBe(((75 * 60 + 35) * 60 + 5) * 1000);
    expect(await hookOf(tenant.name, key, hook.id)).toMatchObject({ status: "failing", position: 0, attempts: 10 });
    // Failing, it stops: no pass sends anything, however late.
    expect(await deliverDue(db(), tenant.name, { now: () => start + 100 * 86_400_000, fetch: (i, init) => fetch(i, init) })).toBeNull();
    expect(rx.received).toHaveLength(10);

    vi.restoreAllMocks();
    const back = receiver();
    const enabled = await adminRequest("POST", `/tenants/${tenant.name}/webhooks/${hook.id}/enable`, key);
    expect(enabled.body).toMatchObject({ status: "active", position: 0, attempts: 0 });
    await vi.waitFor(() => expect(back.acked()).toEqual([1, 2]), { timeout: 10_000 });
    for (const r of back.received) verified(r, hook.secret);
  });

  it("schedules a retry that fell due while another endpoint held the pass", async () => {
    const { tenant } = await tenantWithKey();
    await createUsers(tenant, 1);
    let clock = Date.now();
    const retryOfA = () =>
      env.DB.prepare("SELECT next_attempt_at AS at FROM webhook_endpoints WHERE tenant_id = ? AND id = ?").bind(tenant.name, a.id).first();
    // A fails at once; B answers once A's 5 s retry is stored, and after it is due.
    receiver(async (r) => {
      if (r.url.endsWith("/a")) return 500;
      await vi.waitFor(async () => expect(await retryOfA()).toEqual({ at: expect.any(String) }));
      clock += 6_000;
      return 200;
    });
    const a = await quietEndpoint(tenant.name, "https://hooks.example.com/a");
    await quietEndpoint(tenant.name, "https://hooks.example.com/b");
    const next = await deliverDue(db(), tenant.name, { now: () => clock, fetch: (input, init) => fetch(input, init) });
    expect(next).toBe(clock);
    // A's retry would otherwise wait for the cron test's pass, past this file's receivers.
    await env.DB.prepare("DELETE FROM webhook_endpoints WHERE tenant_id = ?").bind(tenant.name).run();
  });

  it("gives up on a receiver that does not answer within 10 s, and retries it later", async () => {
    const { tenant, key } = await tenantWithKey();
    await createUsers(tenant, 1);
    // A receiver that never answers: only the delivery's own timeout ends the request.
    vi.spyOn(globalThis, "fetch").mockImplementation(
      (_input, init) =>
        new Promise((_resolve, reject) => {
          init?.signal?.addEventListener("abort", () => reject(init.signal?.reason));
        }),
    );
    const hook = await quietEndpoint(tenant.name);
    const start = Date.now();
    const next = await deliverDue(db(), tenant.name, { now: Date.now, fetch: (input, init) => fetch(input, init) });
    expect(Date.now() - start).toBeGreaterThanOrEqual(10_000);
    expect(next).toBeGreaterThan(start + 10_000);
    const [logged] = (await adminGet(`/tenants/${tenant.name}/webhooks/${hook.id}/deliveries`, key)).body.deliveries;
    expect(logged).toMatchObject({ seq: 1, statusCode: null, error: "no response within 10 s" });
    expect(logged.durationMs).toBeGreaterThanOrEqual(10_000);
    expect(await hookOf(tenant.name, key, hook.id)).toMatchObject({ status: "active", position: 0, attempts: 1 });
  }, 20_000);

  it("disables the endpoint at once on a 410", async () => {
    const { tenant, key } = await tenantWithKey();
    const rx = receiver(() => 410);
    const hook = await addWebhook(tenant.name, key, "https://hooks.example.com/gone");
    await createUsers(tenant, 1);
    await vi.waitFor(() => expect(rx.received).toHaveLength(1), { timeout: 10_000 });
    await vi.waitFor(async () => expect(await hookOf(tenant.name, key, hook.id)).toMatchObject({ status: "disabled", position: 0 }));
    await createUsers(tenant, 2);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(rx.received).toHaveLength(1);
    verified(rx.received[0], hook.secret);
  });

  it("follows only the endpoint's types, and moves its position past the others", async () => {
    const { tenant, key } = await tenantWithKey();
    const rx = receiver();
    const hook = await addWebhook(tenant.name, key, "https://hooks.example.com/deleted", ["user.deleted"]);
    const [a] = await createUsers(tenant, 3);
    expect((await tenant.client.delete(`/Users/${a}`)).status).toBe(204);
    await createUsers(tenant, 1);
    await vi.waitFor(async () => expect((await hookOf(tenant.name, key, hook.id)).position).toBe(5), { timeout: 10_000 });
    expect(rx.received.map((r) => [r.event.seq, r.event.type])).toEqual([[4, "user.deleted"]]);
    verified(rx.received[0], hook.secret);
  });

  it("applies the URL policy again before sending: a URL it refuses now stops the endpoint", async () => {
    const { tenant, key } = await tenantWithKey();
    await createUsers(tenant, 1);
    const rx = receiver();
    // Stored while the local-development switch was on, and before TEST-NET-3 was refused.
    const local = await quietEndpoint(tenant.name, "http://127.0.0.1:9000/hook");
    const docs = await quietEndpoint(tenant.name, "https://203.0.113.7/hook");
    expect(await deliverDue(db(), tenant.name, { now: Date.now, fetch: (input, init) => fetch(input, init) })).toBeNull();
    expect(rx.received).toEqual([]);
    for (const hook of [local, docs]) {
      expect(await hookOf(tenant.name, key, hook.id)).toMatchObject({ status: "failing", position: 0 });
      const [entry] = (await adminGet(`/tenants/${tenant.name}/webhooks/${hook.id}/deliveries`, key)).body.deliveries;
      expect(entry).toMatchObject({ seq: 1, eventId: null, statusCode: null, error: expect.stringMatching(/^URL refused: the /) });
    }
  });

  it("stops at a gap retention left, says so, and resumes after it only when enabled", async () => {
    const { tenant, key } = await tenantWithKey();
    await createUsers(tenant, 4);
    await env.DB.prepare("DELETE FROM events WHERE tenant_id = ? AND seq <= 2").bind(tenant.name).run();
    const rx = receiver();
    const hook = await quietEndpoint(tenant.name);
    await passesUntilIdle(tenant.name);
    expect(rx.received).toEqual([]);
    expect(await hookOf(tenant.name, key, hook.id)).toMatchObject({ status: "failing", position: 0 });
    const log = async () => (await adminGet(`/tenants/${tenant.name}/webhooks/${hook.id}/deliveries`, key)).body.deliveries;
    expect(await log()).toEqual([
      expect.objectContaining({
        seq: 1,
        eventId: null,
        statusCode: null,
        error: "events 1..2 were pruned before delivery: stopped; enable resumes from seq 3",
      }),
    ]);

    const enabled = await adminRequest("POST", `/tenants/${tenant.name}/webhooks/${hook.id}/enable`, key);
    expect(enabled.body).toMatchObject({ status: "active", position: 2 });
    await vi.waitFor(() => expect(rx.acked()).toEqual([3, 4]), { timeout: 10_000 });
    for (const r of rx.received) verified(r, hook.secret);
    expect((await log()).map((d: any) => [d.seq, d.error])).toEqual([
      [4, null],
      [3, null],
      [1, "events 1..2 were pruned before delivery: resumed from seq 3"],
      [1, "events 1..2 were pruned before delivery: stopped; enable resumes from seq 3"],
    ]);
  });

  it("redelivers from below the oldest retained event from that event, and says so", async () => {
    const { tenant, key } = await tenantWithKey();
    await createUsers(tenant, 3);
    await env.DB.prepare("DELETE FROM events WHERE tenant_id = ? AND seq = 1").bind(tenant.name).run();
    const rx = receiver();
    const hook = await addWebhook(tenant.name, key, "https://hooks.example.com/pruned");
    const again = await adminRequest("POST", `/tenants/${tenant.name}/webhooks/${hook.id}/redeliver`, key, { fromSeq: 1 });
    expect(again.body).toMatchObject({ status: "active", position: 1 });
    await vi.waitFor(() => expect(rx.acked()).toEqual([2, 3]), { timeout: 10_000 });
    const log = (await adminGet(`/tenants/${tenant.name}/webhooks/${hook.id}/deliveries`, key)).body.deliveries;
    expect(log.at(-1)).toMatchObject({ seq: 1, eventId: null, error: "events 1..1 were pruned before delivery: resumed from seq 2" });
  });
});

describe("webhook secrets", () => {
  it("signs with both secrets for 24 h after a rotation, and never shows a secret again", async () => {
    const { tenant, key } = await tenantWithKey();
    const rx = receiver();
    const hook = await addWebhook(tenant.name, key, "https://hooks.example.com/rotate");
    const rotated = await adminRequest("POST", `/tenants/${tenant.name}/webhooks/${hook.id}/rotate-secret`, key);
    expect(rotated.status).toBe(200);
    expect(rotated.body.secret).not.toBe(hook.secret);
    expect(Date.parse(rotated.body.previousSecretUntil) - Date.now()).toBeGreaterThan(23.9 * 3_600_000);
    await createUsers(tenant, 1);
    await vi.waitFor(() => expect(rx.acked()).toEqual([1]), { timeout: 10_000 });
    const [delivery] = rx.received;
    expect(delivery.headers["webhook-signature"].split(" ").map((s) => s.slice(0, 3))).toEqual(["v1,", "v1,"]);
    verified(delivery, hook.secret);
    verified(delivery, rotated.body.secret);

    const listings = [
      await adminGet(`/tenants/${tenant.name}/webhooks`, key),
      await adminGet(`/tenants/${tenant.name}/webhooks/${hook.id}`, key),
      await adminGet(`/tenants/${tenant.name}/webhooks/${hook.id}/deliveries`, key),
    ];
    for (const listing of listings) {
      expect(listing.status).toBe(200);
      const text = JSON.stringify(listing.body);
      for (const secret of [hook.secret, rotated.body.secret]) expect(text).not.toContain(secret.slice(6, 30));
    }
    expect(listings[0].body.webhooks).toEqual([
      expect.objectContaining({ id: hook.id, previousSecretUntil: rotated.body.previousSecretUntil }),
    ]);
  });
});

describe("webhook endpoints", () => {
  it("refuses URLs that are not https to a public host", async () => {
    const { tenant, key } = await tenantWithKey();
    for (const url of [
      "http://hooks.example.com/",
      "https://10.0.0.1/",
      "https://169.254.169.254/latest/",
      "https://[::1]/",
      "https://2130706433/",
      "https://localhost/",
      "https://metadata.google.internal/",
      "http://192.168.0.1/",
    ]) {
      const refused = await adminRequest("POST", `/tenants/${tenant.name}/webhooks`, key, { url });
      expect({ url, status: refused.status, error: refused.body.error }).toEqual({ url, status: 400, error: "bad_request" });
    }
    for (const body of [
      {},
      { url: "https://hooks.example.com/", types: ["user.nope"] },
      { url: "https://hooks.example.com/", types: [] },
    ]) {
      expect((await adminRequest("POST", `/tenants/${tenant.name}/webhooks`, key, body)).status).toBe(400);
    }
    expect((await adminGet(`/tenants/${tenant.name}/webhooks`, key)).body).toEqual({ webhooks: [] });
    // The local-development switch, on in tests only, lets a receiver on this machine in.
    expect((await adminRequest("POST", `/tenants/${tenant.name}/webhooks`, key, { url: "http://127.0.0.1:9000/hook" })).status).toBe(201);
  });

  it("gives each endpoint only its own tenant's events, and a key only its own tenant's endpoints", async () => {
    const a = await tenantWithKey();
    const b = await tenantWithKey();
    const rx = receiver();
    const hookA = await addWebhook(a.tenant.name, a.key, "https://a.example.com/hook");
    const hookB = await addWebhook(b.tenant.name, b.key, "https://b.example.com/hook");
    await Promise.all([createUsers(a.tenant, 3), createUsers(b.tenant, 2)]);
    await vi.waitFor(() => expect(rx.acked()).toHaveLength(5), { timeout: 10_000 });
    const byHost = (host: string) => rx.received.filter((r) => new URL(r.url).host === host).map((r) => [r.event.tenant, r.event.seq]);
    expect(byHost("a.example.com")).toEqual(seqs(3).map((s) => [a.tenant.name, s]));
    expect(byHost("b.example.com")).toEqual(seqs(2).map((s) => [b.tenant.name, s]));
    for (const r of rx.received) {
      const [mine, other] = r.url.startsWith("https://a.") ? [hookA, hookB] : [hookB, hookA];
      verified(r, mine.secret);
      expect(() => verified(r, other.secret)).toThrow();
    }

    for (const [method, path] of [
      ["GET", `/tenants/${a.tenant.name}/webhooks/${hookA.id}`],
      ["POST", `/tenants/${a.tenant.name}/webhooks/${hookA.id}/enable`],
      ["DELETE", `/tenants/${a.tenant.name}/webhooks/${hookA.id}`],
      ["GET", `/tenants/${b.tenant.name}/webhooks/${hookA.id}`],
      ["DELETE", `/tenants/${b.tenant.name}/webhooks/${hookA.id}`],
      ["POST", `/tenants/${b.tenant.name}/webhooks/${hookA.id}/rotate-secret`],
    ]) {
      expect((await adminRequest(method, path, b.key)).status).toBe(404);
    }
    expect((await adminGet(`/tenants/${a.tenant.name}/webhooks/${hookA.id}`, a.key)).status).toBe(200);
  });

  it("redelivers from a seq, and removes an endpoint with its log", async () => {
    const { tenant, key } = await tenantWithKey();
    const rx = receiver();
    const hook = await addWebhook(tenant.name, key, "https://hooks.example.com/again");
    await createUsers(tenant, 3);
    await vi.waitFor(() => expect(rx.acked()).toEqual([1, 2, 3]), { timeout: 10_000 });
    const again = await adminRequest("POST", `/tenants/${tenant.name}/webhooks/${hook.id}/redeliver`, key, { fromSeq: 2 });
    expect(again.body).toMatchObject({ position: 1, status: "active" });
    await vi.waitFor(() => expect(rx.acked()).toEqual([1, 2, 3, 2, 3]), { timeout: 10_000 });
    for (const r of rx.received) verified(r, hook.secret);
    // Over retained events: no claim that anything was pruned.
    const log = (await adminGet(`/tenants/${tenant.name}/webhooks/${hook.id}/deliveries`, key)).body.deliveries;
    expect(log.map((d: any) => d.error)).toEqual([null, null, null, null, null]);
    // Past the end of the feed, it waits for the next event rather than for a seq given out already.
    const past = await adminRequest("POST", `/tenants/${tenant.name}/webhooks/${hook.id}/redeliver`, key, { fromSeq: 10 });
    expect(past.body).toMatchObject({ position: 3, status: "active" });
    await createUsers(tenant, 1);
    await vi.waitFor(() => expect(rx.acked()).toEqual([1, 2, 3, 2, 3, 4]), { timeout: 10_000 });
    expect((await adminRequest("POST", `/tenants/${tenant.name}/webhooks/${hook.id}/redeliver`, key, { fromSeq: 0 })).status).toBe(400);

    expect((await adminRequest("DELETE", `/tenants/${tenant.name}/webhooks/${hook.id}`, key)).body).toEqual({ id: hook.id, removed: true });
    expect((await adminGet(`/tenants/${tenant.name}/webhooks/${hook.id}/deliveries`, key)).status).toBe(404);
    const left = await env.DB.prepare("SELECT count(*) AS n FROM webhook_deliveries WHERE tenant_id = ?")
      .bind(tenant.name)
      .first<{ n: number }>();
    expect(left?.n).toBe(0);
  });
});

describe("the delivery log", () => {
  it("keeps nothing of an endpoint removed while a delivery to it was under way", async () => {
    const { tenant, key } = await tenantWithKey();
    await createUsers(tenant, 2);
    let answer: (status: number) => void = () => {};
    const rx = receiver(() => new Promise<number>((resolve) => (answer = resolve)));
    const hook = await quietEndpoint(tenant.name);
    const pass = deliverDue(db(), tenant.name, { now: Date.now, fetch: (input, init) => fetch(input, init) });
    await vi.waitFor(() => expect(fetch).toHaveBeenCalledTimes(1));
    expect((await adminRequest("DELETE", `/tenants/${tenant.name}/webhooks/${hook.id}`, key)).status).toBe(200);
    answer(200);
    await pass;
    expect(rx.received).toHaveLength(1);
    const left = await env.DB.prepare("SELECT count(*) AS n FROM webhook_deliveries WHERE tenant_id = ?")
      .bind(tenant.name)
      .first<{ n: number }>();
    expect(left?.n).toBe(0);
  });

  it("lists each attempt newest first, in pages, with at most 1 KB of the receiver's answer", async () => {
    const { tenant, key } = await tenantWithKey();
    await createUsers(tenant, 3);
    const long = "é".repeat(3000);
    const rx = receiver((_r, i) => (i === 0 ? new Response(long, { status: 500 }) : i === 1 ? "timeout" : 200));
    const hook = await quietEndpoint(tenant.name);
    await passesUntilIdle(tenant.name);
    expect(rx.received).toHaveLength(5);
    for (const r of rx.received) verified(r, hook.secret);

    const path = `/tenants/${tenant.name}/webhooks/${hook.id}/deliveries`;
    const first = await adminGet(`${path}?limit=2`, key);
    const second = await adminGet(`${path}?limit=2&cursor=${first.body.nextCursor}`, key);
    const third = await adminGet(`${path}?limit=2&cursor=${second.body.nextCursor}`, key);
    expect(third.body.nextCursor).toBeNull();
    const log = [...first.body.deliveries, ...second.body.deliveries, ...third.body.deliveries].reverse();
    expect(log.map((d: any) => [d.seq, d.statusCode, d.error])).toEqual([
      [1, 500, "HTTP 500"],
      [1, null, "no response within 10 s"],
      [1, 200, null],
      [2, 200, null],
      [3, 200, null],
    ]);
    const events = await feed(tenant.name, key);
    expect(log.map((d: any) => d.eventId)).toEqual([events[0].id, events[0].id, ...events.map((e: any) => e.id)]);
    for (const d of log) {
      expect(Object.keys(d).sort()).toEqual(["attempt", "durationMs", "error", "eventId", "responseBody", "seq", "statusCode", "time"]);
      expect(Number.isNaN(Date.parse(d.time))).toBe(false);
    }
    expect(new TextEncoder().encode(log[0].responseBody).byteLength).toBeLessThanOrEqual(1024);
    expect(log[0].responseBody.startsWith("éé")).toBe(true);
    expect((await adminGet(`${path}?cursor=abc`, key)).status).toBe(400);
  });

  it("caps the stored answer at 1 KB of UTF-8 after decoding: 1 KB of 0xFF bytes is 3 KB of U+FFFD", async () => {
    const { tenant, key } = await tenantWithKey();
    await createUsers(tenant, 1);
    receiver(() => new Response(new Uint8Array(4096).fill(0xff), { status: 500 }));
    const hook = await quietEndpoint(tenant.name);
    await deliverDue(db(), tenant.name, { now: Date.now, fetch: (input, init) => fetch(input, init) });
    const [logged] = (await adminGet(`/tenants/${tenant.name}/webhooks/${hook.id}/deliveries`, key)).body.deliveries;
    expect(logged.responseBody).toBe("\uFFFD".repeat(341));
  });
});

describe("the cron", () => {
  async function runCron() {
    const ctx = createExecutionContext();
    worker.scheduled(createScheduledController({ scheduledTime: Date.now(), cron: "0 * * * *" }), env, ctx);
    await waitOnExecutionContext(ctx);
  }

  it("starts delivery for an endpoint behind its feed, and prunes log entries older than 7 days", async () => {
    const { tenant, key } = await tenantWithKey();
    await createUsers(tenant, 2);
    const rx = receiver();
    const hook = await quietEndpoint(tenant.name);
    await runCron();
    // The cron starts every tenant behind its feed, earlier tests' too: only this tenant's count here.
    const mine = () => rx.received.filter((r) => r.event.tenant === tenant.name);
    await vi.waitFor(() => expect(mine().map((r) => r.event.seq)).toEqual([1, 2]), { timeout: 10_000 });
    for (const r of mine()) verified(r, hook.secret);

    const eightDaysAgo = new Date(Date.now() - 8 * 86_400_000).toISOString();
    await env.DB.prepare("UPDATE webhook_deliveries SET time = ? WHERE tenant_id = ? AND seq = 1").bind(eightDaysAgo, tenant.name).run();
    await runCron();
    const log = (await adminGet(`/tenants/${tenant.name}/webhooks/${hook.id}/deliveries`, key)).body.deliveries;
    expect(log.map((d: any) => d.seq)).toEqual([2]);
  });
});
