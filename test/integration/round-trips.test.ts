import { describe, expect, it } from "vitest";
import { database } from "../../src/db/client.ts";
import { firstMembers, memberPage } from "../../src/db/groups.ts";
import type { WriteContext } from "../../src/domain/context.ts";
import { createGroup } from "../../src/domain/groups.ts";
import { recentWrites } from "../../src/domain/recent.ts";
import { groupResourceType } from "../../src/scim/schema/resource-type.ts";
import { parseResource } from "../../src/scim/validate.ts";
import { statementPlan } from "../helpers/query-plan.ts";
import { countingD1, workerRoundTrips } from "../helpers/round-trips.ts";
import { createTenant, entraUser, type Tenant } from "../helpers/scim-client.ts";
import { seedMembers } from "../helpers/seed.ts";

// D1 round trips per request kind, counted on the real local D1. Counts are relative to `floor`,
// what a SCIM request costs before its handler (the tenant's settings): /Me's handler reads nothing.

const GROUP_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Group";
const group = (displayName: string, members?: { value: string }[]) => ({
  schemas: [GROUP_SCHEMA],
  displayName,
  ...(members ? { members } : {}),
});

function request(tenant: Tenant, method: string, path: string, body?: unknown) {
  return new Request(`http://${tenant.name}.localhost/scim/v2${path}`, {
    method,
    headers: { Authorization: `Bearer ${tenant.token}`, ...(body ? { "Content-Type": "application/scim+json" } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

async function tripsOf(tenant: Tenant, method: string, path: string, body?: unknown) {
  const { response, body: text, trips } = await workerRoundTrips(request(tenant, method, path, body));
  return { status: response.status, body: JSON.parse(text), trips };
}

const floorOf = async (tenant: Tenant) => (await workerRoundTrips(request(tenant, "GET", "/Me"))).trips;

/** The tenant's writer as it runs a write, on a counted binding. */
function writerContext(tenant: string) {
  const { db, counter } = countingD1();
  const ctx: WriteContext = {
    db: database(db),
    tenant,
    type: groupResourceType,
    policy: { extensions: [], allowedDomains: [], deleteMode: "hard", rate: { limit: 1000, windowSeconds: 1 } },
    recentUsers: recentWrites(),
    hashedPasswords: [],
  };
  return { ctx, counter };
}

describe("D1 round trips of group requests", () => {
  it("POST /Groups without members is one write in the writer and no read in the Worker", async () => {
    const tenant = await createTenant();
    const { ctx, counter } = writerContext(tenant.name);
    await createGroup(ctx, parseResource(group("Writer"), groupResourceType));
    expect(counter.trips).toBe(1);

    const floor = await floorOf(tenant);
    const created = await tripsOf(tenant, "POST", "/Groups", group("Sales"));
    expect(created).toMatchObject({ status: 201, body: { displayName: "Sales", members: [] } });
    expect(created.trips).toBe(floor);
  });

  it("POST /Groups with members reads once and writes once in the writer, and answers with no read", async () => {
    const tenant = await createTenant();
    const user = (await tenant.client.post("/Users", entraUser("m1", { displayName: "Member One" }))).body.id;
    const { ctx, counter } = writerContext(tenant.name);
    await createGroup(ctx, parseResource(group("Writer", [{ value: user }]), groupResourceType));
    expect(counter.trips).toBe(2);

    const floor = await floorOf(tenant);
    const created = await tripsOf(tenant, "POST", "/Groups", group("Sales", [{ value: user }]));
    expect(created.body.members).toMatchObject([{ value: user, display: "Member One", type: "User" }]);
    expect(created.trips).toBe(floor);
    const put = await tripsOf(tenant, "PUT", `/Groups/${created.body.id}`, group("Sales", [{ value: user }]));
    expect(put.body.members).toEqual(created.body.members);
    expect(put.trips).toBe(floor);
  });

  it("GET /Groups reads the members of all its groups in one statement, however many groups", async () => {
    const tenant = await createTenant();
    const users: string[] = [];
    for (let i = 0; i < 3; i++) users.push((await tenant.client.post("/Users", entraUser(`u${i}`, { displayName: `User ${i}` }))).body.id);
    const floor = await floorOf(tenant);
    const listed = async () => tripsOf(tenant, "GET", "/Groups");
    await tenant.client.post("/Groups", group("G0", [{ value: users[0] }]));
    expect((await listed()).trips).toBe(floor + 2);
    for (let i = 1; i < 6; i++)
      await tenant.client.post(
        "/Groups",
        group(
          `G${i}`,
          users.slice(0, i % 4).map((value) => ({ value })),
        ),
      );
    const list = await listed();
    expect(list.trips).toBe(floor + 2);
    const byName = Object.fromEntries(list.body.Resources.map((g: any) => [g.displayName, g.members.map((m: any) => m.display)]));
    expect(byName).toEqual({
      G0: ["User 0"],
      G1: ["User 0"],
      G2: expect.arrayContaining(["User 0", "User 1"]),
      G3: expect.arrayContaining(["User 0", "User 1", "User 2"]),
      G4: [],
      G5: ["User 0"],
    });
    // Entra's own match reads no members at all.
    expect((await tripsOf(tenant, "GET", "/Groups?excludedAttributes=members")).trips).toBe(floor + 1);
  });

  it("GET /Groups returns every member when the first read stops inside a group", async () => {
    const tenant = await createTenant();
    const ids: string[] = [];
    for (const [i, size] of [4000, 3000, 7, 0].entries()) {
      const id = (await tenant.client.post("/Groups", group(`Big${i}`))).body.id;
      if (size > 0) await seedMembers(tenant.name, id, size, `s${i}`);
      ids.push(id);
    }
    const list = (await tenant.client.get("/Groups")).body;
    const sizes = Object.fromEntries(list.Resources.map((g: any) => [g.displayName, new Set(g.members.map((m: any) => m.value)).size]));
    expect(sizes).toEqual({ Big0: 4000, Big1: 3000, Big2: 7, Big3: 0 });
  });

  it("reads member pages from group_members' primary key alone, joined to members by primary key", async () => {
    const db = database(countingD1().db);
    const covering = /SEARCH group_members USING COVERING INDEX sqlite_autoindex_group_members_1 \(tenant_id=\? AND group_id=\?/;
    const byKey =
      /SEARCH member_user USING INDEX sqlite_autoindex_users_1 \(tenant_id=\? AND id=\?\).*SEARCH member_group USING INDEX sqlite_autoindex_groups_1 \(tenant_id=\? AND id=\?\)/;
    for (const query of [memberPage(db, "t1", "g", "after", 5000), firstMembers(db, "t1", ["g", "h"], 5000)]) {
      const plan = await statementPlan(query);
      expect(plan).toMatch(covering);
      expect(plan).toMatch(byKey);
      // Already in (group, member) order: no sort of a 5,000-row page.
      expect(plan).not.toMatch(/TEMP B-TREE/);
    }
  });
});
