import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { database } from "../../src/db/client.ts";
import { firstMembers, memberPage } from "../../src/db/groups.ts";
import { statementPlan } from "../helpers/query-plan.ts";
import { createTenant, entraUser } from "../helpers/scim-client.ts";
import { seedMembers } from "../helpers/seed.ts";

// How group reads find their members: all of a list page's groups in one statement (the count is in
// round-trips.test.ts), each member's display from its own row, the covering index for every page.

const GROUP_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Group";
const group = (displayName: string, members?: { value: string }[]) => ({
  schemas: [GROUP_SCHEMA],
  displayName,
  ...(members ? { members } : {}),
});

describe("group member reads", () => {
  it("GET /Groups gives each group its own members with their current display", async () => {
    const { client } = await createTenant();
    const users: string[] = [];
    for (let i = 0; i < 3; i++) users.push((await client.post("/Users", entraUser(`u${i}`, { displayName: `User ${i}` }))).body.id);
    for (let i = 0; i < 6; i++)
      await client.post(
        "/Groups",
        group(
          `G${i}`,
          users.slice(0, i % 4).map((value) => ({ value })),
        ),
      );
    const list = (await client.get("/Groups")).body;
    const byName = Object.fromEntries(list.Resources.map((g: any) => [g.displayName, g.members.map((m: any) => m.display).sort()]));
    expect(byName).toEqual({
      G0: [],
      G1: ["User 0"],
      G2: ["User 0", "User 1"],
      G3: ["User 0", "User 1", "User 2"],
      G4: [],
      G5: ["User 0"],
    });
  });

  it("GET /Groups returns every member when the first read stops inside a group", async () => {
    const { client, name } = await createTenant();
    for (const [i, size] of [4000, 3000, 7, 0].entries()) {
      const id = (await client.post("/Groups", group(`Big${i}`))).body.id;
      if (size > 0) await seedMembers(name, id, size, `s${i}`);
    }
    const list = (await client.get("/Groups")).body;
    const sizes = Object.fromEntries(list.Resources.map((g: any) => [g.displayName, new Set(g.members.map((m: any) => m.value)).size]));
    expect(sizes).toEqual({ Big0: 4000, Big1: 3000, Big2: 7, Big3: 0 });
  });

  it("reads member pages from group_members' primary key alone, joined to members by primary key", async () => {
    const db = database(env.DB);
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
