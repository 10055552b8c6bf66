import { env, evictDurableObject } from "cloudflare:test";
import { afterEach, describe, expect, it } from "vitest";
import { roundTripsOf, serve } from "../helpers/round-trips.ts";
import { createTenant, entraUser, PATCH_OP, type Tenant } from "../helpers/scim-client.ts";

// Group commit (durable/group-commit.ts): the writes a tenant's writer has queued while a D1 call is
// in flight, when they read nothing first, go to D1 as one batch. These tests send writes at once
// so that they queue, and check that each still answers for itself, exactly as it would alone.

const patch = (...Operations: unknown[]) => ({ schemas: [PATCH_OP], Operations });

/** Sends `method path` for the tenant through the Worker, the log off, as round-trips.test.ts does. */
async function send(tenant: Tenant, method: string, path: string, body?: unknown) {
  const request = new Request(`http://${tenant.name}.localhost/scim/v2${path}`, {
    method,
    headers: { Authorization: `Bearer ${tenant.token}`, ...(body ? { "Content-Type": "application/scim+json" } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const { response, body: text } = await serve(request);
  return { status: response.status, body: text ? JSON.parse(text) : undefined };
}

async function createUsers(tenant: Tenant, count: number, prefix = "u"): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const created = await send(tenant, "POST", "/Users", entraUser(`${prefix}${i}`));
    expect(created.status).toBe(201);
    ids.push(created.body.id);
  }
  return ids;
}

const events = async (tenant: string) =>
  (
    await env.DB.prepare("SELECT seq, type, resource_id AS id FROM events WHERE tenant_id = ? ORDER BY seq")
      .bind(tenant)
      .all<{ seq: number; type: string; id: string }>()
  ).results;

afterEach(() => env.DB.exec("DROP TRIGGER IF EXISTS inject_failure"));

describe("group commit", () => {
  it("commits 20 PATCHes sent at once in fewer D1 calls than writes, each answered and recorded as alone", async () => {
    const tenant = await createTenant();
    const ids = await createUsers(tenant, 20);
    const { trips, calls } = await roundTripsOf(() =>
      Promise.all(
        ids.map((id, i) => send(tenant, "PATCH", `/Users/${id}`, patch({ op: "replace", path: "nickName", value: `n${i}` }))),
      ).then((responses) => expect(responses.map((r) => [r.status, r.body.nickName])).toEqual(ids.map((_, i) => [200, `n${i}`]))),
    );
    // The first goes alone; the rest queued behind it and went together (at most 25 a batch).
    expect(trips.d1).toBeLessThanOrEqual(3);
    expect(calls.filter((call) => !call.startsWith("rpc:")).every((call) => call.startsWith('batch: update "users"'))).toBe(true);
    const recorded = await events(tenant.name);
    expect(recorded.map((e) => e.seq)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
    expect(recorded.slice(20).map((e) => e.type)).toEqual(Array(20).fill("user.updated"));
    expect(new Set(recorded.slice(20).map((e) => e.id))).toEqual(new Set(ids));
  });

  it("answers a create's 409 for that create alone: the others of its group are committed", async () => {
    const tenant = await createTenant();
    await createUsers(tenant, 1, "taken");
    const responses = await Promise.all(
      Array.from({ length: 10 }, (_, i) => send(tenant, "POST", "/Users", entraUser(i === 5 ? "taken0" : `fresh${i}`))),
    );
    expect(responses.map((r) => r.status)).toEqual(Array.from({ length: 10 }, (_, i) => (i === 5 ? 409 : 201)));
    expect(responses[5].body.scimType).toBe("uniqueness");
    const recorded = await events(tenant.name);
    expect(recorded.map((e) => e.seq)).toEqual(Array.from({ length: 10 }, (_, i) => i + 1));
    expect(recorded.every((e) => e.type === "user.created")).toBe(true);
  });

  it("answers 503 for the write whose storage failed, and commits the rest of its group", async () => {
    const tenant = await createTenant();
    await env.DB.exec(
      "CREATE TRIGGER inject_failure BEFORE INSERT ON user_emails WHEN NEW.value = 'doomed3@testuser.com' BEGIN SELECT RAISE(ABORT, 'Network connection lost.'); END",
    );
    const responses = await Promise.all(Array.from({ length: 8 }, (_, i) => send(tenant, "POST", "/Users", entraUser(`doomed${i}`))));
    expect(responses.map((r) => r.status)).toEqual(Array.from({ length: 8 }, (_, i) => (i === 3 ? 503 : 201)));
    const users = await env.DB.prepare("SELECT user_name AS u FROM users WHERE tenant_id = ? ORDER BY user_name").bind(tenant.name).all();
    expect(users.results.map((r) => r.u)).toEqual([0, 1, 2, 4, 5, 6, 7].map((i) => `doomed${i}`));
    expect((await events(tenant.name)).map((e) => e.seq)).toEqual([1, 2, 3, 4, 5, 6, 7]);
  });

  it("reads afresh a user changed outside the writer, even when its PATCH went in a group", async () => {
    const tenant = await createTenant();
    const ids = await createUsers(tenant, 6);
    await env.DB.prepare(
      "UPDATE users SET data = json_set(data, '$.title', 'Set outside'), version = version + 1 WHERE tenant_id = ? AND id IN (?, ?)",
    )
      .bind(tenant.name, ids[2], ids[4])
      .run();
    const responses = await Promise.all(
      ids.map((id) => send(tenant, "PATCH", `/Users/${id}`, patch({ op: "replace", path: "nickName", value: "Nick" }))),
    );
    expect(responses.map((r) => r.status)).toEqual(Array(6).fill(200));
    expect(responses.map((r) => [r.body.nickName, r.body.title ?? null, r.body.meta.version])).toEqual(
      ids.map((_, i) => ["Nick", i === 2 || i === 4 ? "Set outside" : null, i === 2 || i === 4 ? 'W/"3"' : 'W/"2"']),
    );
  });

  it("answers a PATCH queued behind a DELETE of its user 404, never 503, whichever way they queue", async () => {
    const tenant = await createTenant();
    const ids = await createUsers(tenant, 6);
    const [deleted, patched, ...others] = await Promise.all([
      send(tenant, "DELETE", `/Users/${ids[0]}`),
      send(tenant, "PATCH", `/Users/${ids[0]}`, patch({ op: "replace", path: "nickName", value: "Late" })),
      ...ids.slice(1).map((id) => send(tenant, "PATCH", `/Users/${id}`, patch({ op: "replace", path: "nickName", value: "On time" }))),
    ]);
    expect(deleted.status).toBe(204);
    expect([200, 404]).toContain(patched.status);
    expect(others.map((r) => r.status)).toEqual(Array(5).fill(200));
    expect((await send(tenant, "GET", `/Users/${ids[0]}`)).status).toBe(404);
    const recorded = (await events(tenant.name)).filter((e) => e.id === ids[0]).map((e) => e.type);
    expect(recorded).toEqual(["user.created", ...(patched.status === 200 ? ["user.updated"] : []), "user.deleted"]);
  });

  it("reads the users of PATCHes queued at an evicted writer in one statement, then commits them together", async () => {
    const tenant = await createTenant();
    const ids = await createUsers(tenant, 20);
    // Entra's incremental pass comes 40 minutes after the creates, when the writer has long been evicted.
    await evictDurableObject(env.WRITER.get(env.WRITER.idFromName(tenant.name)));
    const unknown = crypto.randomUUID();
    const { trips, calls } = await roundTripsOf(async () => {
      const responses = await Promise.all(
        [...ids, unknown].map((id) => send(tenant, "PATCH", `/Users/${id}`, patch({ op: "replace", path: "title", value: "Cold" }))),
      );
      expect(responses.map((r) => r.status)).toEqual([...Array(20).fill(200), 404]);
      expect(responses.slice(0, 20).map((r) => [r.body.title, r.body.meta.version])).toEqual(Array(20).fill(["Cold", 'W/"2"']));
    });
    // The first PATCH alone (its read, its write); the others' users in one read, their writes in a
    // batch or two; the unknown id's own read, to answer 404. Alone, each would be a read and a write.
    const reads = calls.filter((call) => call.startsWith("all:") || call.startsWith("raw:"));
    expect(reads.length).toBeLessThanOrEqual(3);
    expect(trips.d1).toBeLessThanOrEqual(7);
    const recorded = await events(tenant.name);
    expect(recorded.map((e) => e.seq)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
  });
});
