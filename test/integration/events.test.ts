import { createExecutionContext, createScheduledController, env, waitOnExecutionContext } from "cloudflare:test";
import fc from "fast-check";
import { afterEach, describe, expect, it } from "vitest";
import { database } from "../../src/db/client.ts";
import { type FeedEvent, lastSeq, oldestRetainedSeq, readEvents } from "../../src/events/read.ts";
import worker from "../../src/index.ts";
import { roundTripsOf } from "../helpers/round-trips.ts";
import { applyEvent, emptyReplica, type Replica } from "../helpers/replica.ts";
import { addExtension, createTenant, ENTERPRISE, entraUser, PATCH_OP, type ScimClient, setSettings } from "../helpers/scim-client.ts";
import { seedMembers } from "../helpers/seed.ts";

// The change feed as recorded by SCIM writes at the HTTP level, read back with readEvents.

const GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group";
const BULK = "urn:ietf:params:scim:api:messages:2.0:BulkRequest";
const patch = (...Operations: unknown[]) => ({ schemas: [PATCH_OP], Operations });
const db = database(env.DB);

const feed = (tenant: string, after = 0) => readEvents(db, tenant, { after, limit: 1000 });

/** A resource as GET answers it, less what events leave out: meta.location and the memberships. */
function asInEvents(resource: Record<string, any>): Record<string, any> {
  const { groups: _groups, members: _members, meta, ...rest } = resource;
  const { location: _location, ...kept } = meta;
  return { ...rest, meta: kept };
}

async function createUser(client: ScimClient, userName: string, overrides: Record<string, unknown> = {}) {
  const created = await client.post("/Users", entraUser(userName, overrides));
  expect(created.status).toBe(201);
  return created.body.id as string;
}

const types = (events: FeedEvent[]) => events.map((e) => e.type);
const members = (events: FeedEvent[]) => events.map((e) => `${e.type.slice("group.member_".length)} ${(e.data.member as any).value}`);

afterEach(async () => {
  await env.DB.exec("DROP TRIGGER IF EXISTS inject_failure");
});

describe("recording user writes", () => {
  it("records create, PATCH and delete with the shape, payloads and previous values the feed promises", async () => {
    const { client, name } = await createTenant();
    const id = await createUser(client, "ada@contoso.com", { displayName: "Ada" });
    const afterCreate = (await client.get(`/Users/${id}`)).body;
    expect((await client.patch(`/Users/${id}`, patch({ op: "Replace", path: "active", value: "False" }))).status).toBe(200);
    const afterPatch = (await client.get(`/Users/${id}`)).body;
    expect((await client.delete(`/Users/${id}`)).status).toBe(204);

    const events = await feed(name);
    expect(types(events)).toEqual(["user.created", "user.updated", "user.deleted"]);
    expect(events.map((e) => e.seq)).toEqual([1, 2, 3]);
    expect(new Set(events.map((e) => e.id)).size).toBe(3);
    for (const event of events) {
      expect(event).toMatchObject({ tenant: name, resource: { type: "User", id } });
      expect(new Date(event.time).toISOString()).toBe(event.time);
    }
    expect(events[0].data).toEqual(asInEvents(afterCreate));
    expect(events[0]).not.toHaveProperty("previous");
    expect(events[1].data).toEqual(asInEvents(afterPatch));
    expect(events[1].previous).toEqual({ active: true });
    // The last state, as a GET just before the delete showed it.
    expect(events[2]).toMatchObject({ data: asInEvents(afterPatch), soft: false });
    expect(events[2]).not.toHaveProperty("previous");
    expect(await lastSeq(db, name)).toBe(3);
  });

  it("gives previous exactly the top-level attributes a PUT changed, an extension counting as one", async () => {
    const { client, name } = await createTenant();
    const body = entraUser("grace@contoso.com", { displayName: "Grace", title: "Captain" });
    const id = (await client.post("/Users", body)).body.id;
    const put = await client.put(`/Users/${id}`, {
      ...body,
      displayName: "Grace H.",
      title: undefined,
      [ENTERPRISE]: { department: "Navy" },
    });
    expect(put.status).toBe(200);
    const [, updated] = await feed(name);
    expect(updated.previous).toEqual({ displayName: "Grace", title: "Captain", [ENTERPRISE]: null });
    expect(updated.data).toEqual(asInEvents(put.body));
  });

  it("records a soft delete as soft, and the re-create that restores the user as created with restored", async () => {
    const { client, name } = await createTenant();
    await setSettings(name, { deleteMode: "soft" });
    const id = await createUser(client, "lin@contoso.com");
    const live = (await client.get(`/Users/${id}`)).body;
    expect((await client.delete(`/Users/${id}`)).status).toBe(204);
    const restored = await client.post("/Users", entraUser("lin@contoso.com", { displayName: "Lin again" }));
    expect(restored.status).toBe(201);
    expect(restored.body.id).toBe(id);

    const [, deleted, created] = await feed(name);
    expect(deleted).toMatchObject({ type: "user.deleted", soft: true, data: asInEvents(live) });
    expect(created).toMatchObject({ type: "user.created", restored: true, data: asInEvents(restored.body) });
    expect(created).not.toHaveProperty("previous");
  });

  it("never puts a password or a writeOnly or returned-never value in an event", async () => {
    const { client, name } = await createTenant();
    const urn = "urn:example:secrets:2.0:User";
    await addExtension(name, urn, [
      { name: "pin", type: "string", mutability: "writeOnly", returned: "never" },
      { name: "hint", type: "string", returned: "never" },
      { name: "badge", type: "string" },
    ]);
    const body = entraUser("kim@contoso.com", {
      schemas: ["urn:ietf:params:scim:schemas:core:2.0:User", urn],
      password: "Pa55word-one!",
      [urn]: { pin: "PIN-4711", hint: "HINT-0815", badge: "B-1" },
    });
    const id = (await client.post("/Users", body)).body.id;
    await client.patch(`/Users/${id}`, patch({ op: "replace", path: "password", value: "Pa55word-two!" }));
    await client.patch(`/Users/${id}`, patch({ op: "replace", path: `${urn}:pin`, value: "PIN-9999" }));
    await client.put(`/Users/${id}`, { ...body, password: "Pa55word-three!", [urn]: { pin: "PIN-1234", hint: "HINT-2", badge: "B-2" } });
    await client.delete(`/Users/${id}`);

    const events = await feed(name);
    expect(types(events)).toEqual(["user.created", "user.updated", "user.updated", "user.updated", "user.deleted"]);
    const text = JSON.stringify(events);
    for (const secret of ["Pa55word", "PIN-", "HINT-", "password", '"pin"', '"hint"']) expect(text).not.toContain(secret);
    expect(events[3].previous).toEqual({ [urn]: { badge: "B-1" } });
    expect(events[4].data[urn]).toEqual({ badge: "B-2" });
  });
});

describe("recording group writes", () => {
  it("records one member event per member changed, whichever form changed it, and none for a deleted member", async () => {
    const { client, name } = await createTenant();
    const [u1, u2, u3, u4] = await Promise.all(["a", "b", "c", "d"].map((n) => createUser(client, `${n}@contoso.com`)));
    const created = await client.post("/Groups", { schemas: [GROUP], displayName: "Team", members: [{ value: u2 }, { value: u1 }] });
    const id = created.body.id;
    const mark = await lastSeq(db, name);
    expect(types(await feed(name, 4))).toEqual(["group.created", "group.member_added", "group.member_added"]);
    expect((await feed(name, 4))[0].data).toEqual(asInEvents(created.body));
    expect(members((await feed(name, 4)).slice(1))).toEqual([`added ${u1}`, `added ${u2}`].sort());

    // Entra's default dialect: an existing member added again is no change.
    await client.patch(
      `/Groups/${id}`,
      patch({
        op: "Add",
        path: "members",
        value: [
          { $ref: null, value: u3 },
          { $ref: null, value: u1 },
        ],
      }),
    );
    await client.patch(`/Groups/${id}`, patch({ op: "Remove", path: "members", value: [{ $ref: null, value: u1 }] }));
    // The flag dialect, on a member and then on one that is no longer there.
    await client.patch(`/Groups/${id}`, patch({ op: "remove", path: `members[value eq "${u2}"]` }));
    await client.patch(`/Groups/${id}`, patch({ op: "remove", path: `members[value eq "${u2}"]` }));
    await client.patch(`/Groups/${id}`, patch({ op: "replace", path: "members", value: [{ value: u4 }, { value: u3 }] }));
    const put = await client.put(`/Groups/${id}`, { schemas: [GROUP], displayName: "Team B", members: [{ value: u4 }, { value: u1 }] });
    await client.patch(`/Groups/${id}`, patch({ op: "remove", path: "members" }));
    await client.patch(`/Groups/${id}`, patch({ op: "add", value: { members: [{ value: u2 }] } }));

    const events = await feed(name, mark);
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => mark + 1 + i));
    expect(events.map((e) => (e.type === "group.updated" ? "updated" : members([e])[0]))).toEqual([
      "updated",
      `added ${u3}`,
      "updated",
      `removed ${u1}`,
      "updated",
      `removed ${u2}`,
      "updated",
      "updated",
      `added ${u4}`,
      "updated",
      `removed ${u3}`,
      `added ${u1}`,
      "updated",
      ...[`removed ${u1}`, `removed ${u4}`].sort(),
      "updated",
      `added ${u2}`,
    ]);
    const putEvent = events.find((e) => e.type === "group.updated" && e.previous?.displayName);
    expect(putEvent).toMatchObject({ previous: { displayName: "Team" }, data: asInEvents(put.body), resource: { type: "Group", id } });
    const memberEvent = events.find((e) => e.type === "group.member_added") as FeedEvent;
    expect(memberEvent).toMatchObject({ resource: { type: "Group", id }, data: { member: { value: u3, type: "User" } } });
    expect(Object.keys(memberEvent).sort()).toEqual(["data", "id", "resource", "seq", "tenant", "time", "type"]);

    // A deleted member's memberships go with it, without member events; so do a deleted group's.
    const before = await lastSeq(db, name);
    await client.delete(`/Users/${u2}`);
    const last = (await client.get(`/Groups/${id}`)).body;
    await client.delete(`/Groups/${id}`);
    const gone = await feed(name, before);
    expect(types(gone)).toEqual(["user.deleted", "group.deleted"]);
    expect(gone[1].data).toEqual(asInEvents(last));
  });

  it("records removing every member of a 100,000-member group as 100,000 events in the write's one batch", async () => {
    const { client, name } = await createTenant();
    const id = (await client.post("/Groups", { schemas: [GROUP], displayName: "Everyone" })).body.id;
    await seedMembers(name, id, 100_000);
    let status = 0;
    const { calls } = await roundTripsOf(async () => {
      status = (await client.patch(`/Groups/${id}`, patch({ op: "remove", path: "members" }))).status;
    });
    expect(status).toBe(204);
    // One batch removes the members and records their events; no call reads the members into the Worker.
    const touching = calls.filter((call) => call.includes("group_members"));
    expect(touching).toHaveLength(1);
    expect(touching[0]).toMatch(/^batch: /);
    const counted = await env.DB.prepare(
      "SELECT count(*) AS n, min(seq) AS lo, max(seq) AS hi, count(DISTINCT id) AS ids FROM events WHERE tenant_id = ? AND type = 'group.member_removed'",
    )
      .bind(name)
      .first<{ n: number; lo: number; hi: number; ids: number }>();
    expect(counted).toEqual({ n: 100_000, lo: 3, hi: 100_002, ids: 100_000 });
    expect(await lastSeq(db, name)).toBe(100_002);
  });
});

describe("ordering", () => {
  it("numbers 50 concurrent writes to one tenant 1..50 without gaps, in commit order", async () => {
    const { client, name } = await createTenant();
    const created = await Promise.all(Array.from({ length: 50 }, (_, i) => client.post("/Users", entraUser(`user${i}@contoso.com`))));
    expect(created.map((r) => r.status)).toEqual(Array(50).fill(201));
    const events = await feed(name);
    expect(events.map((e) => e.seq)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
    // rowid grows with each insert: the order the rows were committed in.
    const { results } = await env.DB.prepare("SELECT id FROM users WHERE tenant_id = ? ORDER BY rowid").bind(name).all<{ id: string }>();
    expect(events.map((e) => e.resource.id)).toEqual(results.map((r) => r.id));
  });

  it("continues a tenant's sequence across Bulk, which records each operation as its own write", async () => {
    const { client, name } = await createTenant();
    const response = await client.post("/Bulk", {
      schemas: [BULK],
      Operations: [
        { method: "POST", path: "/Users", bulkId: "u", data: entraUser("bulk@contoso.com") },
        { method: "POST", path: "/Groups", bulkId: "g", data: { schemas: [GROUP], displayName: "Bulk", members: [{ value: "bulkId:u" }] } },
        { method: "POST", path: "/Users", bulkId: "dup", data: entraUser("bulk@contoso.com") },
      ],
    });
    expect(response.status).toBe(200);
    expect(response.body.Operations.map((o: any) => o.status)).toEqual(["201", "201", "409"]);
    expect(types(await feed(name))).toEqual(["user.created", "group.created", "group.member_added"]);
  });
});

describe("failed and refused writes record nothing", () => {
  const counter = async (tenant: string) =>
    (await env.DB.prepare("SELECT count(*) AS n FROM events WHERE tenant_id = ?").bind(tenant).first<{ n: number }>())?.n;

  it("leaves neither change nor event when storage fails inside the write's batch", async () => {
    const { client, name } = await createTenant();
    const id = await createUser(client, "steady@contoso.com");
    const group = (await client.post("/Groups", { schemas: [GROUP], displayName: "G" })).body.id;
    const before = await lastSeq(db, name);
    // The failure comes from the event's own insert: the change before it in the batch is rolled back.
    await env.DB.exec(
      `CREATE TRIGGER inject_failure BEFORE INSERT ON events WHEN NEW.tenant_id = '${name}' BEGIN SELECT RAISE(ABORT, 'Network connection lost.'); END`,
    );
    const attempts = [
      await client.post("/Users", entraUser("doomed@contoso.com")),
      await client.patch(`/Users/${id}`, patch({ op: "replace", path: "displayName", value: "Changed" })),
      await client.patch(`/Groups/${group}`, patch({ op: "add", path: "members", value: [{ value: id }] })),
      await client.delete(`/Users/${id}`),
    ];
    expect(attempts.map((r) => r.status)).toEqual([503, 503, 503, 503]);
    await env.DB.exec("DROP TRIGGER inject_failure");
    expect((await client.get(`/Users/${id}`)).body.displayName).toBeUndefined();
    expect((await client.get(`/Groups/${group}`)).body.members ?? []).toEqual([]);
    expect((await client.get(`/Users?filter=${encodeURIComponent('userName eq "doomed@contoso.com"')}`)).body.totalResults).toBe(0);
    expect(await lastSeq(db, name)).toBe(before);
    expect(await counter(name)).toBe(before);
    // And the sequence goes on where it was.
    await createUser(client, "after@contoso.com");
    expect((await feed(name, before)).map((e) => e.seq)).toEqual([before + 1]);
  });

  it("records nothing for 409, 412 and 400", async () => {
    const { client, name } = await createTenant();
    const id = await createUser(client, "taken@contoso.com");
    const before = await lastSeq(db, name);
    const refused = [
      await client.post("/Users", entraUser("TAKEN@contoso.com")),
      await client.patch(`/Users/${id}`, patch({ op: "replace", path: "displayName", value: "x" }), { "If-Match": 'W/"7"' }),
      await client.patch(`/Users/${id}`, patch({ op: "replace", path: "nosuch", value: "x" })),
      await client.post("/Groups", { schemas: [GROUP], displayName: "G", members: [{ value: "not-a-user" }] }),
      await client.delete(`/Users/${crypto.randomUUID()}`),
    ];
    expect(refused.map((r) => r.status)).toEqual([409, 412, 400, 400, 404]);
    expect(await lastSeq(db, name)).toBe(before);
    expect(await counter(name)).toBe(before);
  });
});

/** A consumer's replica, built from the feed alone. */
function replay(events: FeedEvent[]): Replica {
  const replica = emptyReplica();
  for (const event of events) applyEvent(replica, event);
  return replica;
}

const byId = (a: Record<string, any>, b: Record<string, any>) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

/** What GET /Users and GET /Groups show, and the same read from the replica, in one comparable shape. */
async function scimState(client: ScimClient) {
  const users = (await client.get("/Users?count=1000")).body.Resources as Record<string, any>[];
  const groups = (await client.get("/Groups?count=1000")).body.Resources as Record<string, any>[];
  return {
    users: users.map((u) => ({ ...asInEvents(u), groups: (u.groups ?? []).map((g: any) => g.value).sort() })).sort(byId),
    groups: groups.map((g) => ({ ...asInEvents(g), members: (g.members ?? []).map((m: any) => `${m.value} ${m.type}`).sort() })).sort(byId),
  };
}

function replicaState(replica: Replica) {
  const groupsOf = (userId: string) => [...replica.members].filter(([, set]) => set.has(userId)).map(([groupId]) => groupId);
  return {
    users: [...replica.users].map(([id, data]) => ({ ...data, groups: groupsOf(id).sort() }) as Record<string, any>).sort(byId),
    groups: [...replica.groups]
      .map(
        ([id, data]) =>
          ({ ...data, members: [...(replica.members.get(id) ?? [])].map(([v, t]) => `${v} ${t}`).sort() }) as Record<string, any>,
      )
      .sort(byId),
  };
}

type Write =
  | { kind: "createUser"; name: number }
  | { kind: "putUser"; user: number; title: string }
  | { kind: "patchUser"; user: number; dialect: "entra" | "rfc"; active: boolean; title: string }
  | { kind: "deleteUser"; user: number }
  | { kind: "createGroup"; name: number; members: number[] }
  | { kind: "putGroup"; group: number; name: number; members: number[] }
  | { kind: "members"; group: number; form: "add" | "remove" | "removeFilter" | "replace" | "removeAll"; members: number[] }
  | { kind: "deleteGroup"; group: number }
  | { kind: "bulk"; name: number; user: number; group: number };

const index = fc.nat({ max: 7 });
const write: fc.Arbitrary<Write> = fc.oneof(
  { arbitrary: fc.record({ kind: fc.constant("createUser" as const), name: fc.nat({ max: 5 }) }), weight: 5 },
  fc.record({ kind: fc.constant("putUser" as const), user: index, title: fc.constantFrom("A", "B") }),
  fc.record({
    kind: fc.constant("patchUser" as const),
    user: index,
    dialect: fc.constantFrom("entra" as const, "rfc" as const),
    active: fc.boolean(),
    title: fc.constantFrom("A", "B"),
  }),
  fc.record({ kind: fc.constant("deleteUser" as const), user: index }),
  {
    arbitrary: fc.record({
      kind: fc.constant("createGroup" as const),
      name: fc.nat({ max: 3 }),
      members: fc.array(index, { maxLength: 3 }),
    }),
    weight: 2,
  },
  fc.record({ kind: fc.constant("putGroup" as const), group: index, name: fc.nat({ max: 3 }), members: fc.array(index, { maxLength: 3 }) }),
  {
    arbitrary: fc.record({
      kind: fc.constant("members" as const),
      group: index,
      form: fc.constantFrom("add" as const, "remove" as const, "removeFilter" as const, "replace" as const, "removeAll" as const),
      members: fc.array(index, { minLength: 1, maxLength: 3 }),
    }),
    weight: 3,
  },
  fc.record({ kind: fc.constant("deleteGroup" as const), group: index }),
  fc.record({ kind: fc.constant("bulk" as const), name: fc.nat({ max: 5 }), user: index, group: index }),
);

/** Sends one write; ids are picked among those created so far (deleted ones too: refused writes are part of the test). */
async function send(client: ScimClient, known: { users: string[]; groups: string[] }, w: Write) {
  const pick = (list: string[], i: number) => list[i % list.length];
  const user = (i: number) => pick(known.users, i);
  const group = (i: number) => pick(known.groups, i);
  const memberList = (ids: number[]) => [...new Set(ids.map(user))].filter(Boolean).map((value) => ({ $ref: null, value }));
  const remember = (list: string[], response: { status: number; body: any }) => {
    if (response.status === 201 && !list.includes(response.body.id)) list.push(response.body.id);
  };
  switch (w.kind) {
    case "createUser":
      return remember(known.users, await client.post("/Users", entraUser(`u${w.name}@contoso.com`)));
    case "putUser": {
      if (!user(w.user)) return;
      const current = await client.get(`/Users/${user(w.user)}`);
      if (current.status !== 200) return;
      const { id: _id, meta: _meta, groups: _groups, ...body } = current.body;
      await client.put(`/Users/${user(w.user)}`, { ...body, title: w.title });
      return;
    }
    case "patchUser":
      if (!user(w.user)) return;
      await client.patch(
        `/Users/${user(w.user)}`,
        w.dialect === "entra"
          ? patch({ op: "Replace", path: "active", value: w.active ? "True" : "False" }, { op: "Add", path: "title", value: w.title })
          : patch({ op: "replace", value: { active: w.active, title: w.title } }),
      );
      return;
    case "deleteUser":
      if (user(w.user)) await client.delete(`/Users/${user(w.user)}`);
      return;
    case "createGroup":
      return remember(
        known.groups,
        await client.post("/Groups", { schemas: [GROUP], displayName: `g${w.name}`, members: memberList(w.members) }),
      );
    case "putGroup":
      if (group(w.group))
        await client.put(`/Groups/${group(w.group)}`, { schemas: [GROUP], displayName: `g${w.name}`, members: memberList(w.members) });
      return;
    case "members": {
      const id = group(w.group);
      const list = memberList(w.members);
      if (!id || list.length === 0) return;
      const op = {
        add: { op: "Add", path: "members", value: list },
        remove: { op: "Remove", path: "members", value: list },
        removeFilter: { op: "remove", path: `members[value eq "${list[0].value}"]` },
        replace: { op: "replace", path: "members", value: list },
        removeAll: { op: "remove", path: "members" },
      }[w.form];
      await client.patch(`/Groups/${id}`, patch(op));
      return;
    }
    case "deleteGroup":
      if (group(w.group)) await client.delete(`/Groups/${group(w.group)}`);
      return;
    case "bulk": {
      const operations: unknown[] = [{ method: "POST", path: "/Users", bulkId: "new", data: entraUser(`u${w.name}@contoso.com`) }];
      if (group(w.group)) {
        operations.push({
          method: "PATCH",
          path: `/Groups/${group(w.group)}`,
          data: patch({ op: "add", path: "members", value: [{ value: "bulkId:new" }] }),
        });
      }
      if (user(w.user)) operations.push({ method: "DELETE", path: `/Users/${user(w.user)}` });
      const response = await client.post("/Bulk", { schemas: [BULK], Operations: operations });
      const created = response.body?.Operations?.[0];
      if (created?.status === "201") {
        const id = String(created.location).split("/").pop() as string;
        if (!known.users.includes(id)) known.users.push(id);
      }
      return;
    }
  }
}

describe("replaying the feed", () => {
  for (const deleteMode of ["hard", "soft"] as const) {
    it(`rebuilds exactly what GET /Users and /Groups show, from seq 1, with ${deleteMode} deletes`, async () => {
      await fc.assert(
        fc.asyncProperty(fc.array(write, { minLength: 4, maxLength: 30 }), async (writes) => {
          const { client, name } = await createTenant();
          await setSettings(name, { deleteMode });
          const known = { users: [] as string[], groups: [] as string[] };
          for (const w of writes) await send(client, known, w);
          const events = await feed(name);
          expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
          expect(replicaState(replay(events))).toEqual(await scimState(client));
        }),
        { numRuns: 30 },
      );
    });
  }
});

describe("retention", () => {
  const DAY = 86_400_000;
  /** Moves a tenant's events with seq in [from, to] `days` into the past. */
  const age = (tenant: string, days: number, from = 1, to = Number.MAX_SAFE_INTEGER) =>
    env.DB.prepare("UPDATE events SET time = ? WHERE tenant_id = ? AND seq BETWEEN ? AND ?")
      .bind(new Date(Date.now() - days * DAY).toISOString(), tenant, from, to)
      .run();

  async function runCron() {
    const ctx = createExecutionContext();
    worker.scheduled(createScheduledController({ scheduledTime: Date.now(), cron: "0 * * * *" }), env, ctx);
    await waitOnExecutionContext(ctx);
  }

  it("prunes events past EVENT_RETENTION_DAYS or the tenant's own retention, and seq goes on after all were pruned", async () => {
    const standard = await createTenant();
    const short = await createTenant();
    const idle = await createTenant();
    await setSettings(short.name, {});
    await env.DB.prepare("UPDATE tenant_settings SET event_retention_days = 2 WHERE tenant_id = ?").bind(short.name).run();
    for (const { client } of [standard, short, idle]) {
      for (const n of [1, 2, 3]) await createUser(client, `r${n}@contoso.com`);
    }
    for (const { name } of [standard, short]) {
      await age(name, 31, 1, 1);
      await age(name, 5, 2, 2);
    }
    await age(idle.name, 100);

    await runCron();
    const seqs = async (tenant: string) => (await feed(tenant)).map((e) => e.seq);
    // The deployment's 30 days: only the 31-day-old event goes.
    expect(await seqs(standard.name)).toEqual([2, 3]);
    expect(await oldestRetainedSeq(db, standard.name)).toBe(2);
    // The tenant's own 2 days: the 5-day-old one goes too.
    expect(await seqs(short.name)).toEqual([3]);
    // Everything pruned: the counter stays, so the next event is 4, never 1 again.
    expect(await seqs(idle.name)).toEqual([]);
    expect(await lastSeq(db, idle.name)).toBe(3);
    expect(await oldestRetainedSeq(db, idle.name)).toBe(4);
    await createUser(idle.client, "r4@contoso.com");
    expect(await seqs(idle.name)).toEqual([4]);
  });
});
