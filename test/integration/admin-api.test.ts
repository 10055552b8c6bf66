// The admin API (/admin/v1) at the HTTP level, as the SaaS product's backend calls it: its door
// (every route refuses every credential but a live admin key of the right scope), the feed's
// paging, expiry and long polling, and the snapshot's keyset pages.

import { abortAllDurableObjects, env } from "cloudflare:test";
import { afterEach, describe, expect, it, vi } from "vitest";
import { adminGet, adminRequest, createAdminKey, readAll, revokeAdminKeyById } from "../helpers/admin.ts";
import { adminApi } from "../../src/admin/app.ts";
import { accessToken, createClient } from "../helpers/oauth.ts";
import { roundTripsOf, serve } from "../helpers/round-trips.ts";
import { applyEvent, emptyReplica, type Replica } from "../helpers/replica.ts";
import { createTenant, entraUser, PATCH_OP, scimClient, setSettings, type Tenant } from "../helpers/scim-client.ts";

/** Event rows in the exact table shape, numbered after the tenant's counter, as a committed write leaves them. */
async function seedEvents(tenant: string, count: number, type = "user.updated") {
  const row = await env.DB.prepare("SELECT last_seq FROM tenant_event_counters WHERE tenant_id = ?")
    .bind(tenant)
    .first<{ last_seq: number }>();
  const from = row?.last_seq ?? 0;
  const seqs = Array.from({ length: count }, (_, i) => from + i + 1);
  await env.DB.batch([
    ...seqs.map((seq) =>
      env.DB.prepare(
        `INSERT INTO events (tenant_id, seq, id, type, time, resource_type, resource_id, data, previous, extra)
         VALUES (?, ?, ?, ?, ?, 'User', 'u1', '{"userName":"a"}', NULL, NULL)`,
      ).bind(tenant, seq, crypto.randomUUID(), type, new Date().toISOString()),
    ),
    env.DB.prepare(
      "INSERT INTO tenant_event_counters (tenant_id, last_seq) VALUES (?, ?) ON CONFLICT (tenant_id) DO UPDATE SET last_seq = excluded.last_seq",
    ).bind(tenant, from + count),
  ]);
}

async function pruneThrough(tenant: string, seq: number) {
  await env.DB.prepare("DELETE FROM events WHERE tenant_id = ? AND seq <= ?").bind(tenant, seq).run();
}

async function webhookOf(tenant: string, key: string): Promise<string> {
  const webhook = await adminRequest("POST", `/tenants/${tenant}/webhooks`, key, { url: "https://hooks.example.com/door" });
  expect(webhook.status).toBe(201);
  return webhook.body.id;
}

/** With `webhook`, also an endpoint (whose receiver the test stubs). */
async function tenantWithData(webhook = false): Promise<Tenant & { userId: string; groupId: string; webhookId: string }> {
  const tenant = await createTenant("adm");
  const user = await tenant.client.post("/Users", entraUser(`u-${crypto.randomUUID()}`));
  const group = await tenant.client.post("/Groups", { displayName: "Sales", members: [{ value: user.body.id }] });
  expect([user.status, group.status]).toEqual([201, 201]);
  const webhookId = webhook ? await webhookOf(tenant.name, (await createAdminKey(tenant.name)).key) : "";
  return { ...tenant, userId: user.body.id, groupId: group.body.id, webhookId };
}

interface Route {
  method: string;
  path: string;
  body?: unknown;
}

/**
 * Every route the admin app has, with its parameters filled in (and the events route once more
 * with wait), read from the app itself: a new route is in the door test without anyone adding it.
 * Writes carry a body they would accept, so only the credential decides the answer.
 */
function routesOf(t: { name: string; userId: string; groupId: string; webhookId: string }): Route[] {
  const bodies: Record<string, unknown> = { webhooks: { url: "https://hooks.example.com/door" }, redeliver: { fromSeq: 1 } };
  const routes = adminApi()
    .routes.filter((r) => r.method !== "ALL")
    .map((r) => ({
      method: r.method,
      path: r.path
        .replace(":tenant", t.name)
        .replace("users/:id", `users/${t.userId}`)
        .replace("groups/:id", `groups/${t.groupId}`)
        .replace("webhooks/:id", `webhooks/${t.webhookId}`),
      body: r.method === "POST" ? bodies[r.path.split("/").at(-1) ?? ""] : undefined,
    }));
  expect(routes.filter((r) => r.path.includes(":"))).toEqual([]);
  expect(routes.map((r) => r.path)).toContain("/tenants");
  expect(routes.map((r) => r.path)).toEqual(expect.arrayContaining([`/tenants/${t.name}/requests`, `/tenants/${t.name}/health`]));
  // DELETE last: it removes the webhook the other routes name.
  const ordered = [...routes.filter((r) => r.method !== "DELETE"), ...routes.filter((r) => r.method === "DELETE")];
  return [...ordered, { method: "GET", path: `/tenants/${t.name}/events?wait=1` }];
}

const send = (route: Route, token: string | undefined, host?: string) => adminRequest(route.method, route.path, token, route.body, host);

function expectError(response: { status: number; body: any }, status: number, error: string) {
  expect({ status: response.status, error: response.body?.error }).toEqual({ status, error });
  expect(typeof response.body.detail).toBe("string");
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe("the admin door", () => {
  it("refuses every credential but a live admin key of the tenant's scope, on every route", async () => {
    // The webhook's receiver: deliveries run while the test does.
    vi.spyOn(globalThis, "fetch").mockImplementation(async () => new Response(null, { status: 204 }));
    const a = await tenantWithData(true);
    const b = await createTenant("adm");
    const all = await createAdminKey();
    const ofA = await createAdminKey(a.name);
    const ofB = await createAdminKey(b.name);
    const revoked = await createAdminKey(a.name);
    await revokeAdminKeyById(revoked.id);
    const client = await createClient(a.name);
    const oauth = await accessToken(`${a.name}.localhost`, client);

    const refusedEverywhere = async (route: Route) => {
      for (const token of [undefined, "scimadm_wrong", "not a key!", revoked.key, a.token, oauth]) {
        const refused = await send(route, token);
        expectError(refused, 401, "unauthorized");
        expect(refused.headers.get("WWW-Authenticate")).toMatch(/^Bearer/);
      }
      // Tenant hosts serve SCIM only, whatever the key.
      expectError(await send(route, all.key, `${a.name}.localhost`), 404, "not_found");
      if (route.path === "/tenants") return;
      const hidden = await send(route, ofB.key);
      expectError(hidden, 404, "not_found");
      // The same answer as for a tenant that does not exist: a scoped key learns nothing of others.
      const nobody = await send({ ...route, path: route.path.replace(a.name, "nosuchtenant") }, ofB.key);
      expect(hidden.body.detail.replace(a.name, "X")).toBe(nobody.body.detail.replace("nosuchtenant", "X"));
    };
    for (const route of routesOf(a)) {
      await refusedEverywhere(route);
      expect((await send(route, all.key, "127.0.0.1:8787")).status).toBeLessThan(300);
      // A removal succeeds once: the tenant's key removes a webhook of its own.
      const again =
        route.method === "DELETE" ? { ...route, path: route.path.replace(a.webhookId, await webhookOf(a.name, ofA.key)) } : route;
      expect((await send(again, ofA.key)).status).toBeLessThan(300);
    }
    expectError(await adminGet("/tenants/nosuchtenant/users", all.key), 404, "not_found");
    expectError(await adminGet("/nothing-here", all.key), 404, "not_found");

    // An admin key is no SCIM credential, on a tenant host or the single host.
    for (const host of [`${a.name}.localhost`, "localhost"]) {
      const scim = await scimClient({ host, token: all.key }).get("/Users");
      expect(scim.status).toBe(401);
    }
  });

  it("lists the tenants within the key's scope, with their feed position", async () => {
    const a = await createTenant("adm");
    const b = await createTenant("adm");
    await seedEvents(a.name, 3);
    const scoped = await adminGet("/tenants", (await createAdminKey(a.name)).key);
    expect(scoped.body).toEqual({ tenants: [{ id: a.name, createdAt: expect.any(String), lastSeq: 3 }] });
    const every = await adminGet("/tenants", (await createAdminKey()).key);
    const ids = every.body.tenants.map((t: any) => t.id);
    expect(ids).toEqual([...ids].sort());
    expect(every.body.tenants).toContainEqual({ id: b.name, createdAt: expect.any(String), lastSeq: 0 });
  });
});

describe("the events feed", () => {
  it("pages ascending after the cursor, filters by type, and moves the cursor past what it skipped", async () => {
    const t = await createTenant("adm");
    const { key } = await createAdminKey(t.name);
    await seedEvents(t.name, 5);
    await seedEvents(t.name, 2, "user.deleted");
    const feed = (query: string) => adminGet(`/tenants/${t.name}/events${query}`, key);

    const first = await feed("?limit=3");
    expect(first.body.events.map((e: any) => e.seq)).toEqual([1, 2, 3]);
    expect(first.body).toMatchObject({ next: 3, hasMore: true });
    expect(first.body.events[0]).toMatchObject({ tenant: t.name, type: "user.updated", resource: { type: "User", id: "u1" } });
    const rest = await feed("?after=3&limit=10");
    expect(rest.body.events.map((e: any) => e.seq)).toEqual([4, 5, 6, 7]);
    expect(rest.body).toMatchObject({ next: 7, hasMore: false });
    const caughtUp = await feed("?after=7");
    expect(caughtUp.body).toEqual({ events: [], next: 7, hasMore: false });

    const deleted = await feed("?types=user.deleted,group.deleted");
    expect(deleted.body.events.map((e: any) => e.seq)).toEqual([6, 7]);
    const none = await feed("?types=group.created");
    expect(none.body).toEqual({ events: [], next: 7, hasMore: false });
  });

  it("parses its numbers as safe integers: clamps counts, refuses what is no number", async () => {
    const t = await createTenant("adm");
    const { key } = await createAdminKey(t.name);
    await seedEvents(t.name, 3);
    const feed = (query: string) => adminGet(`/tenants/${t.name}/events${query}`, key);
    expect((await feed("?limit=0")).body.events).toHaveLength(1);
    expect((await feed("?limit=99999999999999999999")).body.events).toHaveLength(3);
    for (const bad of ["?after=-1", "?after=1.5", "?after=99999999999999999999", "?limit=ten", "?wait=-2", "?types=user.exploded"]) {
      expectError(await feed(bad), 400, "bad_request");
    }
    expectError(await adminGet(`/tenants/${t.name}/users?limit=x`, key), 400, "bad_request");
  });

  it("answers 410 with the oldest seq when the cursor is older than the retained events", async () => {
    const t = await createTenant("adm");
    const { key } = await createAdminKey(t.name);
    await seedEvents(t.name, 6);
    await pruneThrough(t.name, 4);
    const expired = await adminGet(`/tenants/${t.name}/events?after=2`, key);
    expectError(expired, 410, "cursor_expired");
    expect(expired.body.oldestSeq).toBe(5);
    expect((await adminGet(`/tenants/${t.name}/events?after=4`, key)).body.events.map((e: any) => e.seq)).toEqual([5, 6]);
    // Everything pruned: the counter still says where the feed is, and only a caught-up cursor is valid.
    await pruneThrough(t.name, 6);
    expect((await adminGet(`/tenants/${t.name}/events?after=6`, key)).body).toEqual({ events: [], next: 6, hasMore: false });
    expect((await adminGet(`/tenants/${t.name}/events?after=5`, key)).body).toMatchObject({ error: "cursor_expired", oldestSeq: 7 });
  });

  it("with wait, answers within a second of a commit, and empty when the wait ends", async () => {
    const t = await createTenant("adm");
    const { key } = await createAdminKey(t.name);
    const user = await t.client.post("/Users", entraUser(`w-${crypto.randomUUID()}`));
    const after = (await adminGet(`/tenants/${t.name}/events`, key)).body.next;

    const started = Date.now();
    const idle = await adminGet(`/tenants/${t.name}/events?after=${after}&wait=1`, key);
    expect(idle.body).toEqual({ events: [], next: after, hasMore: false });
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);

    const held = adminGet(`/tenants/${t.name}/events?after=${after}&wait=10`, key);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const committed = Date.now();
    const patched = await t.client.patch(`/Users/${user.body.id}`, {
      schemas: [PATCH_OP],
      Operations: [{ op: "replace", path: "active", value: false }],
    });
    expect(patched.status).toBe(200);
    const answer = await held;
    expect(Date.now() - committed).toBeLessThan(1000);
    expect(answer.body.events.map((e: any) => [e.seq, e.type, e.previous])).toEqual([[after + 1, "user.updated", { active: true }]]);
  });

  it("ends a wait early, with an empty page, when the tenant's writer resets under it", async () => {
    const t = await tenantWithData();
    const { key } = await createAdminKey(t.name);
    const after = (await adminGet(`/tenants/${t.name}/events`, key)).body.next;
    const started = Date.now();
    const held = adminGet(`/tenants/${t.name}/events?after=${after}&wait=10`, key);
    await new Promise((resolve) => setTimeout(resolve, 300));
    await abortAllDurableObjects();
    expect((await held).body).toEqual({ events: [], next: after, hasMore: false });
    expect(Date.now() - started).toBeLessThan(5000);
    // The next poll parks in a new writer and is woken by its commits.
    const again = adminGet(`/tenants/${t.name}/events?after=${after}&wait=10`, key);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect((await t.client.post("/Groups", { displayName: "After reset" })).status).toBe(201);
    expect((await again).body.events.map((e: any) => e.type)).toEqual(["group.created"]);
  });

  it("with wait and types, parks again after a commit of other types", async () => {
    const t = await tenantWithData();
    const { key } = await createAdminKey(t.name);
    const after = (await adminGet(`/tenants/${t.name}/events`, key)).body.next;
    const held = adminGet(`/tenants/${t.name}/events?after=${after}&types=group.created&wait=10`, key);
    await new Promise((resolve) => setTimeout(resolve, 200));
    const other = await t.client.patch(`/Users/${t.userId}`, {
      schemas: [PATCH_OP],
      Operations: [{ op: "replace", path: "active", value: false }],
    });
    expect(other.status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const committed = Date.now();
    const group = await t.client.post("/Groups", { displayName: "Later" });
    const answer = await held;
    expect(Date.now() - committed).toBeLessThan(1000);
    expect(answer.body.events.map((e: any) => [e.type, e.resource.id])).toEqual([["group.created", group.body.id]]);
    expect(answer.body).toMatchObject({ next: after + 2, hasMore: false });
  });
});

/** A resource as GET answers it, less what the snapshot and events leave out: memberships and meta.location. */
function asInSnapshot(resource: Record<string, any>) {
  const { groups: _groups, members: _members, meta, ...rest } = resource;
  const { location: _location, ...kept } = meta;
  return { ...rest, meta: kept };
}

describe("the snapshot", () => {
  it("pages users, groups and members by id, each page dated by the first page's asOfSeq", async () => {
    const t = await createTenant("adm");
    const { key } = await createAdminKey(t.name);
    const created = [];
    for (let i = 0; i < 5; i++) {
      const user = await t.client.post("/Users", entraUser(`p${i}-${crypto.randomUUID()}`, { password: "Secret-123!" }));
      created.push(user.body.id);
    }
    const group = await t.client.post("/Groups", { displayName: "All", members: created.map((value) => ({ value })) });
    await seedEvents(t.name, 2);
    const asOf = (await adminGet("/tenants", key)).body.tenants[0].lastSeq;

    const first = await adminGet(`/tenants/${t.name}/users?limit=2`, key);
    expect(first.body.data).toHaveLength(2);
    expect(first.body.asOfSeq).toBe(asOf);
    await seedEvents(t.name, 1);
    const second = await adminGet(`/tenants/${t.name}/users?limit=2&cursor=${first.body.nextCursor}`, key);
    expect(second.body.asOfSeq).toBe(asOf);

    const users = await readAll(`/tenants/${t.name}/users?limit=2`, key);
    expect(users.asOfSeq).toBe(asOf + 1);
    expect(users.data.map((u) => u.id)).toEqual([...created].sort());
    const listed = await t.client.get("/Users?count=100");
    expect(users.data).toEqual(listed.body.Resources.map(asInSnapshot).sort((x: any, y: any) => (x.id < y.id ? -1 : 1)));
    expect(JSON.stringify(users.data)).not.toMatch(/password|Secret-123/);
    expect((await adminGet(`/tenants/${t.name}/users/${created[0]}`, key)).body).toEqual(
      asInSnapshot((await t.client.get(`/Users/${created[0]}`)).body),
    );

    const groups = await readAll(`/tenants/${t.name}/groups?limit=1`, key);
    expect(groups.data).toEqual([asInSnapshot((await t.client.get(`/Groups/${group.body.id}`)).body)]);
    expect((await adminGet(`/tenants/${t.name}/groups/${group.body.id}`, key)).body).toEqual(groups.data[0]);
    const members = await readAll(`/tenants/${t.name}/groups/${group.body.id}/members?limit=3`, key);
    expect(members.data).toEqual([...created].sort().map((value) => ({ value, type: "User" })));
  });

  it("refuses a cursor it did not hand out for this listing, and 404s what is not there", async () => {
    const t = await tenantWithData();
    const other = await tenantWithData();
    await t.client.post("/Users", entraUser(`x-${crypto.randomUUID()}`));
    const { key } = await createAdminKey();
    const users = await adminGet(`/tenants/${t.name}/users?limit=1`, key);
    const cursor = users.body.nextCursor;
    expect(cursor).toEqual(expect.any(String));
    for (const path of [
      `/tenants/${t.name}/groups?cursor=${cursor}`,
      `/tenants/${other.name}/users?cursor=${cursor}`,
      `/tenants/${t.name}/groups/${t.groupId}/members?cursor=${cursor}`,
      `/tenants/${t.name}/users?cursor=not-a-cursor`,
      `/tenants/${t.name}/users?cursor=${btoa('["x"]')}`,
      `/tenants/${t.name}/users?cursor=${cursor.slice(0, -4)}`,
    ]) {
      expectError(await adminGet(path, key), 400, "bad_request");
    }
    expectError(await adminGet(`/tenants/${t.name}/users/${other.userId}`, key), 404, "not_found");
    expectError(await adminGet(`/tenants/${t.name}/groups/${other.groupId}`, key), 404, "not_found");
    expectError(await adminGet(`/tenants/${t.name}/groups/${other.groupId}/members`, key), 404, "not_found");
  });
});

async function snapshot(tenant: string, key: string): Promise<{ replica: Replica; asOfSeq: number }> {
  const users = await readAll(`/tenants/${tenant}/users?limit=2`, key);
  const groups = await readAll(`/tenants/${tenant}/groups?limit=1`, key);
  const replica = emptyReplica();
  for (const user of users.data) replica.users.set(user.id, user);
  for (const group of groups.data) {
    replica.groups.set(group.id, group);
    const members = new Map<string, string>();
    replica.members.set(group.id, members);
    // A group deleted since its page was read: its group.deleted event follows.
    const first = await adminGet(`/tenants/${tenant}/groups/${group.id}/members?limit=1`, key);
    if (first.status === 404) continue;
    for (const m of (await readAll(`/tenants/${tenant}/groups/${group.id}/members?limit=2`, key)).data) members.set(m.value, m.type);
  }
  return { replica, asOfSeq: users.asOfSeq };
}

async function follow(tenant: string, key: string, replica: Replica, after: number) {
  for (;;) {
    const page = await adminGet(`/tenants/${tenant}/events?after=${after}&limit=7`, key);
    expect(page.status).toBe(200);
    for (const event of page.body.events) applyEvent(replica, event);
    after = page.body.next;
    if (!page.body.hasMore) return after;
  }
}

const byId = (list: any[]) => new Map(list.map((r) => [r.id, r]));

describe("snapshot, then follow", () => {
  it.each(["hard", "soft"] as const)(
    "converges on the tenant's state when writes land during the backfill (%s delete)",
    async (deleteMode) => {
      const t = await createTenant("adm");
      await setSettings(t.name, { deleteMode });
      const { key } = await createAdminKey(t.name);
      const userIds: string[] = [];
      const userNames: string[] = [];
      const newUser = async () => {
        const userName = `c-${crypto.randomUUID()}`;
        const created = await t.client.post("/Users", entraUser(userName));
        userIds.push(created.body.id);
        userNames.push(userName);
        return created.body.id as string;
      };
      for (let i = 0; i < 6; i++) await newUser();
      const groupIds: string[] = [];
      for (const name of ["Sales", "Ops"]) {
        const group = await t.client.post("/Groups", { displayName: name, members: userIds.slice(0, 4).map((value) => ({ value })) });
        groupIds.push(group.body.id);
      }

      const writes = async () => {
        for (let i = 0; i < 8; i++) {
          const user = await newUser();
          await t.client.patch(`/Users/${userIds[i]}`, {
            schemas: [PATCH_OP],
            Operations: [{ op: "replace", path: "active", value: i % 2 === 0 }],
          });
          await t.client.patch(`/Groups/${groupIds[i % 2]}`, {
            schemas: [PATCH_OP],
            Operations: [
              { op: "add", path: "members", value: [{ value: user }] },
              { op: "remove", path: `members[value eq "${userIds[i]}"]` },
            ],
          });
          if (i === 3) await t.client.delete(`/Users/${userIds[1]}`);
          // Under soft delete, Entra's re-create restores the deleted user (user.created, restored).
          if (i === 4) expect((await t.client.post("/Users", entraUser(userNames[1]))).status).toBe(201);
          if (i === 5) await t.client.delete(`/Groups/${groupIds[1]}`);
          if (i === 6) {
            const group = await t.client.post("/Groups", { displayName: "Late", members: [{ value: user }, { value: groupIds[0] }] });
            groupIds.push(group.body.id);
          }
        }
      };
      const [{ replica, asOfSeq }] = await Promise.all([snapshot(t.name, key), writes()]);
      await follow(t.name, key, replica, asOfSeq);

      const users = (await t.client.get("/Users?count=1000")).body.Resources;
      expect(byId([...replica.users.values()])).toEqual(byId(users.map(asInSnapshot)));
      const groups = (await t.client.get("/Groups?count=1000")).body.Resources;
      expect(byId([...replica.groups.values()])).toEqual(byId(groups.map(asInSnapshot)));
      for (const group of groups) {
        const expected = (group.members ?? []).map((m: any) => m.value).sort();
        expect([...(replica.members.get(group.id)?.keys() ?? [])].sort()).toEqual(expected);
      }
      expect(replica.users.size).toBe(14);
      expect(replica.groups.size).toBe(2);
    },
  );
});

describe("round trips per admin request (steady state: the key and the tenant's configuration cached)", () => {
  it("costs what README's Admin API section states", async () => {
    const t = await tenantWithData();
    const { key } = await createAdminKey(t.name);
    const call = async (path: string) => {
      const { response } = await serve(new Request(`http://localhost/admin/v1${path}`, { headers: { Authorization: `Bearer ${key}` } }));
      expect(response.status).toBe(200);
    };
    const tripsOf = async (path: string) => (await roundTripsOf(() => call(path))).trips;
    await call(`/tenants/${t.name}/users`);
    const last = (await adminGet(`/tenants/${t.name}/events`, key)).body.next;

    expect({
      tenants: await tripsOf("/tenants"),
      "events, caught up": await tripsOf(`/tenants/${t.name}/events?after=${last}`),
      "events, from the start": await tripsOf(`/tenants/${t.name}/events`),
      "events, by type past others": await tripsOf(`/tenants/${t.name}/events?types=group.created`),
      "events, wait that times out": await tripsOf(`/tenants/${t.name}/events?after=${last}&wait=1`),
      "users page": await tripsOf(`/tenants/${t.name}/users?limit=1`),
      "user by id": await tripsOf(`/tenants/${t.name}/users/${t.userId}`),
      "members page": await tripsOf(`/tenants/${t.name}/groups/${t.groupId}/members`),
      "requests page": await tripsOf(`/tenants/${t.name}/requests?status=4xx`),
      health: await tripsOf(`/tenants/${t.name}/health`),
    }).toEqual({
      tenants: { d1: 1, rpc: 0 },
      // The tenant's position, then the events after the cursor.
      "events, caught up": { d1: 2, rpc: 0 },
      "events, from the start": { d1: 2, rpc: 0 },
      // A read that may skip events also checks retention.
      "events, by type past others": { d1: 3, rpc: 0 },
      // Parked in the writer, which reads only the counter once; no reads while it waits.
      "events, wait that times out": { d1: 3, rpc: 1 },
      // One batch: the tenant's position with the page.
      "users page": { d1: 1, rpc: 0 },
      "user by id": { d1: 1, rpc: 0 },
      "members page": { d1: 1, rpc: 0 },
      // The tenant's existence, then the page (or one batch of the health's aggregates).
      "requests page": { d1: 2, rpc: 0 },
      health: { d1: 2, rpc: 0 },
    });
  });
});
