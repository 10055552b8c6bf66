import { env, evictDurableObject } from "cloudflare:test";
import { afterEach, describe, expect, it, vi } from "vitest";
import { roundTripsOf, serve } from "../helpers/round-trips.ts";
import { createTenant, entraUser, PATCH_OP, setSettings, type Tenant } from "../helpers/scim-client.ts";
import { DEFAULT_SETTINGS } from "../../src/tenancy/config.ts";
import { normalisePatchRequest } from "../../src/scim/patch/normalise.ts";

// Group commit (durable/group-commit.ts): the writes a tenant's writer has queued while a D1 call is
// in flight, when they read nothing first, go to D1 as one batch. These tests send writes at once
// so that they queue, and check that each still answers for itself, exactly as it would alone.

const GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group";
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

afterEach(async () => {
  vi.restoreAllMocks();
  await env.DB.exec("DROP TRIGGER IF EXISTS inject_failure");
});

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

  const failOnEmail = (value: string, message: string) =>
    env.DB.exec(
      `CREATE TRIGGER inject_failure BEFORE INSERT ON user_emails WHEN NEW.value = '${value}' BEGIN SELECT RAISE(ABORT, '${message}'); END`,
    );

  it("answers 503 to every write of a group whose storage failed, and runs none of them again: whether it landed is unknown", async () => {
    const tenant = await createTenant();
    await failOnEmail("doomed3@testuser.com", "Network connection lost.");
    const responses = await Promise.all(Array.from({ length: 8 }, (_, i) => send(tenant, "POST", "/Users", entraUser(`doomed${i}`))));
    const statuses = responses.map((r) => r.status);
    expect(statuses[3]).toBe(503);
    // The first went alone, before the others queued; the others went with doomed3, so none landed.
    expect(statuses.filter((status) => status === 503).length).toBeGreaterThan(1);
    expect(statuses.every((status) => status === 201 || status === 503)).toBe(true);
    expect(responses.filter((r) => r.status === 503).every((r) => r.body.status === "503")).toBe(true);
    const stored = await env.DB.prepare("SELECT user_name AS u FROM users WHERE tenant_id = ?").bind(tenant.name).all<{ u: string }>();
    const created = responses.flatMap((r, i) => (r.status === 201 ? [`doomed${i}`] : []));
    expect(stored.results.map((r) => r.u).sort()).toEqual(created.sort());
    expect(await events(tenant.name)).toHaveLength(created.length);
    // Storage back, the client's retries land.
    await env.DB.exec("DROP TRIGGER inject_failure");
    const retried = await Promise.all(
      responses.flatMap((r, i) => (r.status === 503 ? [send(tenant, "POST", "/Users", entraUser(`doomed${i}`))] : [])),
    );
    expect(retried.every((r) => r.status === 201)).toBe(true);
  });

  it("runs each write of a group again alone when D1 refuses the batch for its SQL: the one at fault answers 500, the others 201", async () => {
    const tenant = await createTenant();
    await failOnEmail("faulty3@testuser.com", "CHECK constraint failed: injected");
    vi.spyOn(console, "error").mockImplementation(() => {});
    const responses = await Promise.all(Array.from({ length: 8 }, (_, i) => send(tenant, "POST", "/Users", entraUser(`faulty${i}`))));
    expect(responses.map((r) => r.status)).toEqual(Array.from({ length: 8 }, (_, i) => (i === 3 ? 500 : 201)));
    const stored = await env.DB.prepare("SELECT count(*) AS n FROM users WHERE tenant_id = ?").bind(tenant.name).first<{ n: number }>();
    expect(stored?.n).toBe(7);
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

  // Called on the writer's stub, whose calls arrive in the order they are made (through the Worker,
  // a DELETE, having no body to parse, can overtake a PATCH sent before it).
  it("answers writes queued together as one at a time in arrival order: PATCH, PATCH, POST of the taken name, DELETE, PATCH", async () => {
    const tenant = await createTenant();
    const [a, ...others] = await createUsers(tenant, 6);
    const writer = env.WRITER.get(env.WRITER.idFromName(tenant.name));
    const policy = {
      extensions: [],
      allowedDomains: DEFAULT_SETTINGS.allowedDomains,
      deleteMode: "hard" as const,
      rate: { limit: 1000, windowSeconds: 1 },
    };
    const replace = (path: string, value: string) => normalisePatchRequest(patch({ op: "replace", path, value }));
    const calls = [
      writer.patch(tenant.name, "User", policy, others[0], replace("title", "first in")),
      writer.patch(tenant.name, "User", policy, a, replace("title", "first")),
      writer.patch(tenant.name, "User", policy, a, replace("userName", "renamed")),
      ...others.slice(1).map((id) => writer.patch(tenant.name, "User", policy, id, replace("title", "other"))),
      writer.create(tenant.name, "User", policy, { userName: "renamed" }),
      writer.remove(tenant.name, "User", policy, a),
      writer.patch(tenant.name, "User", policy, a, replace("title", "late")),
    ];
    const outcome = (r: Awaited<(typeof calls)[number]>) => (r.ok ? "ok" : "error" in r ? r.error.status : r.internal.message);
    const results = await Promise.all(calls);
    expect(results.map(outcome)).toEqual(["ok", "ok", "ok", ...others.slice(1).map(() => "ok"), 409, "ok", 404]);
    const recorded = (await events(tenant.name)).filter((e) => e.id === a).map((e) => e.type);
    expect(recorded).toEqual(["user.created", "user.updated", "user.updated", "user.deleted"]);
  });

  it("commits a queue longer than a group in several groups, every write answered", async () => {
    const tenant = await createTenant();
    const { trips } = await roundTripsOf(async () => {
      const responses = await Promise.all(Array.from({ length: 60 }, (_, i) => send(tenant, "POST", "/Users", entraUser(`many${i}`))));
      expect(responses.map((r) => r.status)).toEqual(Array(60).fill(201));
    });
    // One alone, then groups of at most 25.
    expect(trips.d1).toBeGreaterThanOrEqual(4);
    expect(trips.d1).toBeLessThan(30);
    expect((await events(tenant.name)).map((e) => e.seq)).toEqual(Array.from({ length: 60 }, (_, i) => i + 1));
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

  it("commits Entra's member PATCHes of several groups together, and answers the one naming an unknown member 400 alone", async () => {
    const tenant = await createTenant();
    const users = await createUsers(tenant, 6);
    const groups: string[] = [];
    for (let i = 0; i < 6; i++) {
      const created = await send(tenant, "POST", "/Groups", { schemas: [GROUP], displayName: `g${i}` });
      expect(created.status).toBe(201);
      groups.push(created.body.id);
    }
    // A client's text that reads like a storage failure's must not make the refusal look like one.
    const unknown = "x Network connection lost";
    const { trips } = await roundTripsOf(async () => {
      const responses = await Promise.all(
        groups.map((id, i) =>
          send(tenant, "PATCH", `/Groups/${id}`, patch({ op: "add", path: "members", value: [{ value: i === 3 ? unknown : users[i] }] })),
        ),
      );
      expect(responses.map((r) => r.status)).toEqual(groups.map((_, i) => (i === 3 ? 400 : 204)));
      expect(responses[3].body.detail).toContain(unknown);
    });
    // Alone, each would be one call and the refused one two: a refused group costs a run alone for each.
    expect(trips.d1).toBeLessThanOrEqual(2 + groups.length + 1);
    const members = await env.DB.prepare("SELECT group_id AS g, member_id AS m FROM group_members WHERE tenant_id = ? ORDER BY group_id")
      .bind(tenant.name)
      .all<{ g: string; m: string }>();
    expect(new Set(members.results.map((r) => `${r.g}:${r.m}`))).toEqual(
      new Set(groups.flatMap((g, i) => (i === 3 ? [] : [`${g}:${users[i]}`]))),
    );
    const recorded = await events(tenant.name);
    expect(recorded.map((e) => e.seq)).toEqual(Array.from({ length: recorded.length }, (_, i) => i + 1));
    expect(recorded.filter((e) => e.type === "group.member_added")).toHaveLength(5);
    const overloaded = await send(
      tenant,
      "PATCH",
      `/Groups/${encodeURIComponent("D1 DB is overloaded")}`,
      patch({ op: "add", path: "members", value: [{ value: users[0] }] }),
    );
    expect(overloaded.status).toBe(404);
  });

  it("creates groups sent at once together, each answered and recorded", async () => {
    const tenant = await createTenant();
    const { trips } = await roundTripsOf(async () => {
      const responses = await Promise.all(
        Array.from({ length: 8 }, (_, i) => send(tenant, "POST", "/Groups", { schemas: [GROUP], displayName: `new${i}` })),
      );
      expect(responses.map((r) => [r.status, r.body.displayName, r.body.members])).toEqual(
        Array.from({ length: 8 }, (_, i) => [201, `new${i}`, []]),
      );
    });
    expect(trips.d1).toBeLessThanOrEqual(3);
    const recorded = await events(tenant.name);
    expect(recorded.map((e) => [e.seq, e.type])).toEqual(Array.from({ length: 8 }, (_, i) => [i + 1, "group.created"]));
  });

  it("reads ahead only live users: a soft-deleted one queued among cold PATCHes answers 404", async () => {
    const tenant = await createTenant();
    await setSettings(tenant.name, { deleteMode: "soft" });
    const ids = await createUsers(tenant, 6);
    expect((await send(tenant, "DELETE", `/Users/${ids[2]}`)).status).toBe(204);
    await evictDurableObject(env.WRITER.get(env.WRITER.idFromName(tenant.name)));
    const responses = await Promise.all(
      ids.map((id) => send(tenant, "PATCH", `/Users/${id}`, patch({ op: "replace", path: "title", value: "T" }))),
    );
    expect(responses.map((r) => r.status)).toEqual(ids.map((_, i) => (i === 2 ? 404 : 200)));
    const row = await env.DB.prepare("SELECT json_extract(data, '$.title') AS title, deleted_at FROM users WHERE tenant_id = ? AND id = ?")
      .bind(tenant.name, ids[2])
      .first<{ title: string | null; deleted_at: string | null }>();
    expect(row?.title).toBeNull();
    expect(row?.deleted_at).not.toBeNull();
  });
});
