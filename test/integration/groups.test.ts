import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { database } from "../../src/db/client.ts";
import { groupStorage } from "../../src/db/groups.ts";
import { lastSeq } from "../../src/events/read.ts";
import { createTenant, entraUser, PATCH_OP, q, type ScimClient, setSettings } from "../helpers/scim-client.ts";
import { queryPlan } from "../helpers/query-plan.ts";
import { memberCount, seedMembers } from "../helpers/seed.ts";

const GROUP_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Group";
const patch = (...Operations: unknown[]) => ({ schemas: [PATCH_OP], Operations });

// The create body Entra sends (entra-scim.md), verbatim but for the name.
const entraGroup = (displayName: string) => ({
  schemas: [GROUP_SCHEMA, "http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group"],
  externalId: crypto.randomUUID(),
  displayName,
  meta: { resourceType: "Group" },
});

async function users(client: ScimClient, n: number, prefix = "member") {
  const ids: string[] = [];
  for (let i = 0; i < n; i++)
    ids.push((await client.post("/Users", entraUser(`${prefix}${i}_${crypto.randomUUID().slice(0, 6)}`))).body.id);
  return ids;
}

async function memberIds(client: ScimClient, groupId: string): Promise<string[]> {
  return ((await client.get(`/Groups/${groupId}`)).body.members ?? []).map((m: any) => m.value).sort();
}

describe("Groups resource", () => {
  it("creates Entra's empty group, ignoring the Microsoft schema URN, and answers 201 with members []", async () => {
    const { client, name } = await createTenant();
    const created = await client.post("/Groups", entraGroup("Sales"));
    expect(created.status).toBe(201);
    expect(created.headers.get("Location")).toBe(`http://${name}.localhost/scim/v2/Groups/${created.body.id}`);
    expect(created.headers.get("Content-Type")).toContain("application/scim+json");
    expect(created.body).toMatchObject({ schemas: [GROUP_SCHEMA], displayName: "Sales", members: [] });
    expect(created.body.meta).toMatchObject({ resourceType: "Group", location: created.headers.get("Location") });
    expect(created.headers.get("ETag")).toBe(created.body.meta.version);
    expect((await client.get(`/Groups/${created.body.id}`)).body).toEqual(created.body);
  });

  it("creates a group with members and answers them with value, $ref, display and type", async () => {
    const { client, name } = await createTenant();
    const [u1] = await users(client, 1);
    const inner = (await client.post("/Groups", entraGroup("Inner"))).body.id;
    const created = await client.post("/Groups", { ...entraGroup("Outer"), members: [{ value: u1 }, { value: inner, type: "Group" }] });
    expect(created.status).toBe(201);
    const byValue = Object.fromEntries(created.body.members.map((m: any) => [m.value, m]));
    // A user without a displayName has no display.
    expect(byValue[u1]).toEqual({ value: u1, $ref: `http://${name}.localhost/scim/v2/Users/${u1}`, type: "User" });
    expect(byValue[inner]).toEqual({
      value: inner,
      $ref: `http://${name}.localhost/scim/v2/Groups/${inner}`,
      display: "Inner",
      type: "Group",
    });
    expect((await client.get(`/Groups/${created.body.id}`)).body).toEqual(created.body);
  });

  it("answers members' display from the member's own displayName now, never from what the client sent", async () => {
    const { client } = await createTenant();
    const ann = (await client.post("/Users", entraUser(`ann_${crypto.randomUUID().slice(0, 6)}`, { displayName: "Ann" }))).body.id;
    const inner = (await client.post("/Groups", entraGroup("Inner"))).body.id;
    // RFC 7643 §4.2: display is readOnly; Microsoft's collection sends its own and expects it back.
    const sent = [
      { value: ann, display: "Sent by the client" },
      { value: inner, display: "Also sent" },
    ];
    const created = await client.post("/Groups", { ...entraGroup("Outer"), members: sent });
    const displays = (body: any) => Object.fromEntries(body.members.map((m: any) => [m.value, m.display]));
    expect(displays(created.body)).toEqual({ [ann]: "Ann", [inner]: "Inner" });
    const id = created.body.id;
    await client.patch(`/Users/${ann}`, patch({ op: "Replace", path: "displayName", value: "Ann B" }));
    await client.patch(`/Groups/${inner}`, patch({ op: "Replace", path: "displayName", value: "Inner renamed" }));
    const renamed = { [ann]: "Ann B", [inner]: "Inner renamed" };
    expect(displays((await client.get(`/Groups/${id}`)).body)).toEqual(renamed);
    expect(displays((await client.get(`/Groups?filter=${q(`id eq "${id}"`)}`)).body.Resources[0])).toEqual(renamed);
    const put = await client.put(`/Groups/${id}`, { schemas: [GROUP_SCHEMA], displayName: "Outer", members: sent });
    expect(displays(put.body)).toEqual(renamed);
    const patched = await client.patch(`/Groups/${id}?attributes=members`, patch({ op: "Add", path: "members", value: [sent[0]] }));
    expect(displays(patched.body)).toEqual(renamed);
    // Members come in id order.
    const byId = [ann, inner].sort().map((member) => ({ display: renamed[member] }));
    expect((await client.get(`/Groups/${id}?attributes=members.display`)).body.members).toEqual(byId);
  });

  it("refuses unknown or foreign member ids with 400 invalidValue naming them, applying nothing", async () => {
    const a = await createTenant();
    const b = await createTenant();
    const [mine] = await users(a.client, 1);
    const [foreign] = await users(b.client, 1);
    const group = (await a.client.post("/Groups", entraGroup("Strict"))).body;
    const response = await a.client.patch(
      `/Groups/${group.id}`,
      patch(
        { op: "Replace", path: "displayName", value: "Renamed" },
        { op: "Add", path: "members", value: [{ value: mine }, { value: foreign }, { value: "no-such-id" }] },
      ),
    );
    expect(response.status).toBe(400);
    expect(response.body.scimType).toBe("invalidValue");
    expect(response.body.detail).toContain(foreign);
    expect(response.body.detail).toContain("no-such-id");
    expect(response.body.detail).not.toContain(mine);
    const after = (await a.client.get(`/Groups/${group.id}`)).body;
    expect(after.displayName).toBe("Strict");
    expect(after.members).toEqual([]);
    expect(after.meta.version).toBe(group.meta.version);
    const posted = await a.client.post("/Groups", { ...entraGroup("Bad"), members: [{ value: foreign }] });
    expect(posted.status).toBe(400);
    expect((await a.client.get(`/Groups?filter=${q('displayName eq "Bad"')}`)).body.totalResults).toBe(0);
  });

  it("refuses a members-only PATCH naming unknown, foreign, deleted or self ids (400) or an unknown group (404), applying and recording nothing", async () => {
    const a = await createTenant();
    const b = await createTenant();
    await setSettings(a.name, { deleteMode: "soft" });
    const [mine, joining, gone] = await users(a.client, 3);
    const [foreign] = await users(b.client, 1);
    expect((await a.client.delete(`/Users/${gone}`)).status).toBe(204);
    const group = (await a.client.post("/Groups", { ...entraGroup("Guarded"), members: [{ value: mine }] })).body;
    const before = await lastSeq(database(env.DB), a.name);

    const refused = async (body: unknown, id = group.id) => {
      const response = await a.client.patch(`/Groups/${id}`, body);
      return { status: response.status, scimType: response.body.scimType, detail: String(response.body.detail) };
    };
    const unknown = await refused(
      patch({ op: "Add", path: "members", value: [joining, foreign, "no-such-id", gone].map((value) => ({ value })) }),
    );
    expect(unknown).toMatchObject({ status: 400, scimType: "invalidValue" });
    for (const id of [foreign, "no-such-id", gone]) expect(unknown.detail).toContain(id);
    expect(unknown.detail).not.toContain(joining);
    // Replace would remove the current member first: refused, it removes nothing either.
    expect(await refused(patch({ op: "replace", path: "members", value: [{ value: foreign }] }))).toMatchObject({ status: 400 });
    expect(await refused(patch({ op: "Add", path: "members", value: [{ value: group.id }] }))).toMatchObject({
      status: 400,
      detail: expect.stringContaining("itself"),
    });
    for (const op of [
      patch({ op: "Add", path: "members", value: [{ value: joining }] }),
      patch({ op: "Remove", path: "members", value: [{ value: mine }] }),
    ]) {
      expect(await refused(op, crypto.randomUUID())).toMatchObject({ status: 404 });
    }

    const after = (await a.client.get(`/Groups/${group.id}`)).body;
    expect(after.members.map((m: any) => m.value)).toEqual([mine]);
    expect(after.meta.version).toBe(group.meta.version);
    expect(await lastSeq(database(env.DB), a.name)).toBe(before);

    // The same add without the unknown ids lands, and its ETag is the version GET shows.
    const added = await a.client.patch(`/Groups/${group.id}`, patch({ op: "Add", path: "members", value: [{ value: joining }] }));
    expect(added.status).toBe(204);
    const now = (await a.client.get(`/Groups/${group.id}`)).body;
    expect(added.headers.get("ETag")).toBe(now.meta.version);
    expect(now.members.map((m: any) => m.value)).toEqual([mine, joining].sort());
  });

  it("applies every member PATCH form Entra sends", async () => {
    const { client } = await createTenant();
    const [u1, u2, u3, u4] = await users(client, 4);
    const id = (await client.post("/Groups", entraGroup("Forms"))).body.id;

    // Add, several per request, with Entra's "$ref": null.
    const added = await client.patch(`/Groups/${id}`, {
      schemas: ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
      Operations: [
        {
          op: "Add",
          path: "members",
          value: [
            { $ref: null, value: u1 },
            { $ref: null, value: u2 },
            { $ref: null, value: u3 },
          ],
        },
      ],
    });
    expect(added.status).toBe(204);
    expect(await memberIds(client, id)).toEqual([u1, u2, u3].sort());

    // Adding an existing member is not an error.
    expect((await client.patch(`/Groups/${id}`, patch({ op: "Add", path: "members", value: [{ $ref: null, value: u1 }] }))).status).toBe(
      204,
    );
    expect(await memberIds(client, id)).toEqual([u1, u2, u3].sort());

    // Default dialect remove: only the listed members go.
    expect(
      (
        await client.patch(`/Groups/${id}`, {
          schemas: ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
          Operations: [{ op: "Remove", path: "members", value: [{ $ref: null, value: u1 }] }],
        })
      ).status,
    ).toBe(204);
    expect(await memberIds(client, id)).toEqual([u2, u3].sort());

    // Flag dialect remove by value filter; removing a missing member is not an error.
    expect((await client.patch(`/Groups/${id}`, patch({ op: "remove", path: `members[value eq "${u2}"]` }))).status).toBe(204);
    expect((await client.patch(`/Groups/${id}`, patch({ op: "remove", path: `members[value eq "${u2}"]` }))).status).toBe(204);
    expect(await memberIds(client, id)).toEqual([u3]);

    // Replace: the whole set.
    expect(
      (await client.patch(`/Groups/${id}`, patch({ op: "replace", path: "members", value: [{ value: u1 }, { value: u4 }] }))).status,
    ).toBe(204);
    expect(await memberIds(client, id)).toEqual([u1, u4].sort());

    // Path-less add carrying members.
    expect((await client.patch(`/Groups/${id}`, patch({ op: "add", value: { members: [{ value: u2 }] } }))).status).toBe(204);
    expect(await memberIds(client, id)).toEqual([u1, u2, u4].sort());

    // RFC "remove all": path members and no value.
    expect((await client.patch(`/Groups/${id}`, patch({ op: "remove", path: "members" }))).status).toBe(204);
    expect(await memberIds(client, id)).toEqual([]);
  });

  it("renames with PATCH replace displayName (204) and returns the group when asked", async () => {
    const { client } = await createTenant();
    const id = (await client.post("/Groups", entraGroup("Sales"))).body.id;
    const renamed = await client.patch(`/Groups/${id}`, patch({ op: "Replace", path: "displayName", value: "Sales EMEA" }));
    expect(renamed.status).toBe(204);
    expect((await client.get(`/Groups/${id}`)).body.displayName).toBe("Sales EMEA");
    const flag = await client.patch(
      `/Groups/${id}?excludedAttributes=members`,
      patch({ op: "replace", value: { displayName: "Sales APAC" } }),
    );
    expect(flag.status).toBe(200);
    expect(flag.body.displayName).toBe("Sales APAC");
    expect(flag.body.members).toBeUndefined();
  });

  it("replaces the whole group, members included, with PUT", async () => {
    const { client } = await createTenant();
    const [u1, u2] = await users(client, 2);
    const created = (await client.post("/Groups", { ...entraGroup("Put"), members: [{ value: u1 }] })).body;
    const put = await client.put(`/Groups/${created.id}`, { schemas: [GROUP_SCHEMA], displayName: "Put 2", members: [{ value: u2 }] });
    expect(put.status).toBe(200);
    expect(put.body.displayName).toBe("Put 2");
    expect(put.body.externalId).toBeUndefined();
    expect(put.body.members.map((m: any) => m.value)).toEqual([u2]);
    expect(put.body.meta.created).toBe(created.meta.created);
  });

  it("deletes a group with its memberships, and a deleted user leaves every group", async () => {
    const { client, name } = await createTenant();
    const [u1, u2] = await users(client, 2);
    const g1 = (await client.post("/Groups", { ...entraGroup("G1"), members: [{ value: u1 }, { value: u2 }] })).body.id;
    const g2 = (await client.post("/Groups", { ...entraGroup("G2"), members: [{ value: u1 }, { value: g1 }] })).body.id;

    expect((await client.delete(`/Users/${u1}`)).status).toBe(204);
    expect(await memberIds(client, g1)).toEqual([u2]);
    expect(await memberIds(client, g2)).toEqual([g1]);

    expect((await client.delete(`/Groups/${g1}`)).status).toBe(204);
    expect((await client.get(`/Groups/${g1}`)).status).toBe(404);
    expect(await memberCount(name, g1)).toBe(0);
    expect(await memberIds(client, g2)).toEqual([]);
    expect((await client.get(`/Users/${u2}`)).body.groups).toBeUndefined();
    expect((await client.delete(`/Groups/${g1}`)).status).toBe(404);
  });

  it("computes Users' groups attribute from the membership rows", async () => {
    const { client, name } = await createTenant();
    const [u1] = await users(client, 1);
    const g1 = (await client.post("/Groups", { ...entraGroup("Alpha"), members: [{ value: u1 }] })).body.id;
    const user = (await client.get(`/Users/${u1}`)).body;
    expect(user.groups).toEqual([{ value: g1, $ref: `http://${name}.localhost/scim/v2/Groups/${g1}`, display: "Alpha", type: "direct" }]);
    expect((await client.get(`/Users/${u1}?excludedAttributes=groups`)).body.groups).toBeUndefined();
    const listed = (await client.get(`/Users?filter=${q(`groups.value eq "${g1}"`)}`)).body;
    expect(listed.Resources.map((u: any) => u.id)).toEqual([u1]);
    expect(listed.Resources[0].groups[0].value).toBe(g1);
    // groups is read-only: a client can't write it.
    const patched = await client.patch(`/Users/${u1}`, patch({ op: "add", path: "groups", value: [{ value: "x" }] }));
    expect(patched.status).toBe(400);
  });
});

describe("Group queries Entra makes", () => {
  async function tenantWithGroups() {
    const tenant = await createTenant();
    const [u1, u2] = await users(tenant.client, 2);
    const sales = (await tenant.client.post("/Groups", { ...entraGroup("Sales"), externalId: "ext-sales", members: [{ value: u1 }] })).body
      .id;
    const ops = (await tenant.client.post("/Groups", { ...entraGroup("Ops"), members: [{ value: u2 }] })).body.id;
    return { ...tenant, u1, u2, sales, ops };
  }

  it("matches on displayName and externalId with excludedAttributes=members, without members", async () => {
    const { client, sales } = await tenantWithGroups();
    const byName = await client.get(`/Groups?excludedAttributes=members&filter=${q('displayName eq "sales"')}`);
    expect(byName.status).toBe(200);
    expect(byName.body).toMatchObject({ totalResults: 1, startIndex: 1, itemsPerPage: 1 });
    expect(byName.body.Resources[0].id).toBe(sales);
    expect(byName.body.Resources[0]).not.toHaveProperty("members");
    const byExternal = await client.get(`/Groups?excludedAttributes=members&filter=${q('externalId eq "ext-sales"')}`);
    expect(byExternal.body.Resources.map((g: any) => g.id)).toEqual([sales]);
    const probe = await client.get(`/Groups?excludedAttributes=members&filter=${q(`displayName eq "${crypto.randomUUID()}"`)}`);
    expect(probe.status).toBe(200);
    expect(probe.body).toEqual({
      schemas: ["urn:ietf:params:scim:api:messages:2.0:ListResponse"],
      totalResults: 0,
      startIndex: 1,
      itemsPerPage: 0,
      Resources: [],
    });
  });

  it("answers membership checks in all three forms", async () => {
    const { client, u1, u2, sales } = await tenantWithGroups();
    for (const form of [`id eq "${sales}" and members eq "${u1}"`, `id eq "${sales}" and members[value eq "${u1}"]`]) {
      const hit = await client.get(`/Groups?filter=${q(form)}&attributes=id`);
      expect(hit.body.Resources, form).toEqual([{ schemas: [GROUP_SCHEMA], id: sales }]);
      const miss = await client.get(`/Groups?filter=${q(form.replaceAll(u1, u2))}&attributes=id`);
      expect(miss.body.totalResults, form).toBe(0);
    }
    const containing = await client.get(`/Groups?filter=${q(`members.value eq "${u1}"`)}&excludedAttributes=members`);
    expect(containing.body.Resources.map((g: any) => g.id)).toEqual([sales]);
  });

  it("lists groups with their members unless excluded, and pages them", async () => {
    const { client, u1, sales } = await tenantWithGroups();
    const all = (await client.get("/Groups")).body;
    expect(all.totalResults).toBe(2);
    expect(all.Resources.find((g: any) => g.id === sales).members.map((m: any) => m.value)).toEqual([u1]);
    const page = (await client.get("/Groups?startIndex=2&count=1&attributes=displayName")).body;
    expect(page).toMatchObject({ totalResults: 2, startIndex: 2, itemsPerPage: 1 });
    expect(Object.keys(page.Resources[0]).sort()).toEqual(["displayName", "id", "schemas"]);
    const values = (await client.get(`/Groups/${sales}?attributes=members.value`)).body;
    expect(values.members).toEqual([{ value: u1 }]);
  });

  it("runs membership checks and matches on indexes (EXPLAIN QUERY PLAN of the compiled SQL)", async () => {
    const plan = (filter: string) => queryPlan("groups", groupStorage("t1"), filter);
    const memberLookup = /SEARCH group_members USING COVERING INDEX group_members_tenant_member \(tenant_id=\? AND member_id=\?\)/;
    expect(await plan('id eq "g" and members eq "u"')).toMatch(memberLookup);
    expect(await plan('id eq "g" and members[value eq "u"]')).toMatch(memberLookup);
    expect(await plan('members.value eq "u"')).toMatch(memberLookup);
    expect(await plan('members[value eq "u" or value eq "v"]')).toMatch(memberLookup);
    expect(await plan('displayName eq "Sales"')).toMatch(/USING INDEX groups_tenant_display_name/);
    expect(await plan('externalId eq "x"')).toMatch(/USING INDEX groups_tenant_external_id/);
    expect(await plan('id eq "g"')).toMatch(/USING INDEX sqlite_autoindex_groups_1 \(tenant_id=\? AND id=\?\)/);
  });
});

describe("large groups and concurrency", () => {
  it("returns all 100,000 members of a group in one streamed GET", async () => {
    const { client, name } = await createTenant();
    const id = (await client.post("/Groups", entraGroup("All employees"))).body.id;
    await seedMembers(name, id, 100_000);
    const response = await client.get(`/Groups/${id}`);
    expect(response.status).toBe(200);
    expect(response.body.members).toHaveLength(100_000);
    expect(new Set(response.body.members.map((m: any) => m.value)).size).toBe(100_000);
    expect(response.body.meta.resourceType).toBe("Group");
    // A member change on it costs row writes, not a rewrite of the group.
    const [extra] = await users(client, 1);
    expect((await client.patch(`/Groups/${id}`, patch({ op: "Add", path: "members", value: [{ value: extra }] }))).status).toBe(204);
    expect((await client.patch(`/Groups/${id}`, patch({ op: "Remove", path: "members", value: [{ value: "seed-7" }] }))).status).toBe(204);
    expect(await memberCount(name, id)).toBe(100_000);
  }, 60_000);

  it("keeps all of 100 concurrent single-member adds to one group", async () => {
    const { client, name } = await createTenant();
    const id = (await client.post("/Groups", entraGroup("Busy"))).body.id;
    await seedMembers(name, "unrelated-group", 100, "busy");
    const responses = await Promise.all(
      Array.from({ length: 100 }, (_, i) =>
        client.patch(`/Groups/${id}`, patch({ op: "Add", path: "members", value: [{ value: `busy-${i + 1}` }] })),
      ),
    );
    expect(responses.map((r) => r.status)).toEqual(Array(100).fill(204));
    expect(await memberCount(name, id)).toBe(100);
  });

  it("applies concurrent adds and removes of different members", async () => {
    const { client, name } = await createTenant();
    const id = (await client.post("/Groups", entraGroup("Churn"))).body.id;
    await seedMembers(name, id, 50, "old");
    await seedMembers(name, "elsewhere", 50, "new");
    await Promise.all(
      Array.from({ length: 50 }, (_, i) => [
        client.patch(`/Groups/${id}`, patch({ op: "Add", path: "members", value: [{ value: `new-${i + 1}` }] })),
        client.patch(`/Groups/${id}`, patch({ op: "Remove", path: "members", value: [{ value: `old-${i + 1}` }] })),
      ]).flat(),
    );
    const members = await memberIds(client, id);
    expect(members).toHaveLength(50);
    expect(members.every((m) => m.startsWith("new-"))).toBe(true);
  });
});
