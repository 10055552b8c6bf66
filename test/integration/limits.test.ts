import { describe, expect, it } from "vitest";
import { createTenant, entraUser, PATCH_OP, q } from "../helpers/scim-client.ts";
import { memberCount, seedMembers } from "../helpers/seed.ts";

const LIMITS = "urn:scim-edge:params:scim:schemas:extension:limits:1.0:ServiceProviderConfig";
const GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group";
const SEARCH = "urn:ietf:params:scim:api:messages:2.0:SearchRequest";
const BULK = "urn:ietf:params:scim:api:messages:2.0:BulkRequest";

const orChain = (n: number, clause: (i: number) => string) => Array.from({ length: n }, (_, i) => clause(i)).join(" or ");
const removeWhere = (n: number, clause: (i: number) => string) => ({
  schemas: [PATCH_OP],
  Operations: [{ op: "remove", path: `members[${orChain(n, clause)}]` }],
});

// 26 levels of a four-term and under a not compile to SQL nested 80 deep; one more not makes 81.
const nested = (inner: string, attr = "displayName") => `not (${`${attr} pr and `.repeat(3)}`.repeat(26) + inner + ")".repeat(26);

function refused(response: { status: number; body: any }, scimType: string, detail: string) {
  expect(response.status).toBe(400);
  expect(response.body).toMatchObject({ scimType });
  expect(response.body.detail).toContain(detail);
}

const refusedForParameters = (response: { status: number; body: any }) =>
  refused(response, "invalidFilter", "over the 100 that storage allows (maxBoundParameters)");

describe("request limits: bounded, advertised, answered with a clear 4xx", () => {
  it("advertises every bound in /ServiceProviderConfig", async () => {
    const { client } = await createTenant();
    const spc = (await client.get("/ServiceProviderConfig")).body;
    expect(spc.schemas).toContain(LIMITS);
    expect(spc[LIMITS]).toEqual({
      maxPayloadSize: 1_048_576,
      maxFilterLength: 4096,
      maxFilterDepth: 32,
      maxBoundParameters: 100,
      maxSqlNesting: 80,
      maxPatchOperations: 1000,
      maxMembersPerRequest: 1000,
      maxPageSize: 200,
    });
    expect(spc.filter.maxResults).toBe(200);
    expect(spc.bulk.maxPayloadSize).toBe(1_048_576);
  });

  it("refuses over-long and over-deep filters", async () => {
    const { client } = await createTenant();
    const long = await client.get(`/Users?filter=${q(`userName eq "${"x".repeat(4100)}"`)}`);
    expect(long.status).toBe(400);
    expect(long.body).toMatchObject({ scimType: "invalidFilter" });
    expect(long.body.detail).toContain("4096");
    const deep = await client.get(`/Users?filter=${q(`${"(".repeat(33)}userName eq "x"${")".repeat(33)}`)}`);
    expect(deep.status).toBe(400);
    expect(deep.body.detail).toContain("nested deeper than 32");
  });

  it("refuses too many PATCH operations and too many members in one request", async () => {
    const { client } = await createTenant();
    const user = (await client.post("/Users", entraUser("limited"))).body;
    const ops = Array.from({ length: 1001 }, () => ({ op: "replace", path: "nickName", value: "x" }));
    const tooManyOps = await client.patch(`/Users/${user.id}`, { schemas: [PATCH_OP], Operations: ops });
    expect(tooManyOps.status).toBe(400);
    expect(tooManyOps.body.detail).toContain("at most 1000 operations");

    const group = (await client.post("/Groups", { schemas: [GROUP], displayName: "Big" })).body;
    const members = Array.from({ length: 1001 }, (_, i) => ({ value: `m${i}` }));
    for (const response of [
      await client.patch(`/Groups/${group.id}`, { schemas: [PATCH_OP], Operations: [{ op: "Add", path: "members", value: members }] }),
      await client.patch(`/Groups/${group.id}`, { schemas: [PATCH_OP], Operations: [{ op: "Remove", path: "members", value: members }] }),
      await client.post("/Groups", { schemas: [GROUP], displayName: "Bigger", members }),
      await client.put(`/Groups/${group.id}`, { schemas: [GROUP], displayName: "Big", members }),
    ]) {
      expect(response.status).toBe(400);
      expect(response.body).toMatchObject({ scimType: "invalidValue" });
      expect(response.body.detail).toContain("at most 1000 members per request");
    }
  });

  it("caps count at the advertised page size (RFC 7644 §3.4.2.4: fewer results, not an error)", async () => {
    const { client, name } = await createTenant();
    await seedMembers(name, "unused-group", 250);
    const page = await client.get("/Users?count=100000");
    expect(page.status).toBe(200);
    expect(page.body).toMatchObject({ totalResults: 250, itemsPerPage: 200 });
  });

  it("caps huge startIndex and count to safe integers: past the end is an empty page (RFC 7644 §3.4.2.4)", async () => {
    const { client } = await createTenant();
    await client.post("/Users", entraUser("paged"));
    const far = await client.get("/Users?startIndex=99999999999999999999&count=5");
    expect(far.status).toBe(200);
    expect(far.body).toMatchObject({ totalResults: 1, itemsPerPage: 0, Resources: [], startIndex: Number.MAX_SAFE_INTEGER });
    const huge = await client.get(`/Users?startIndex=-${"9".repeat(400)}&count=${"9".repeat(400)}`);
    expect(huge.status).toBe(200);
    expect(huge.body).toMatchObject({ totalResults: 1, itemsPerPage: 1, startIndex: 1 });
    expect((await client.get(`/Users?count=-${"9".repeat(40)}`)).body).toMatchObject({ totalResults: 1, itemsPerPage: 0 });
    const searched = await client.post("/Users/.search", { schemas: [SEARCH], startIndex: 1e300, count: 1e300 });
    expect(searched.status).toBe(200);
    expect(searched.body).toMatchObject({ totalResults: 1, itemsPerPage: 0, Resources: [] });
    const everywhere = await client.post("/.search", { schemas: [SEARCH], startIndex: 1e21, count: -1e21 });
    expect(everywhere.status).toBe(200);
    expect(everywhere.body).toMatchObject({ totalResults: 1, itemsPerPage: 0 });
  });
});

describe("bound parameters: D1 binds at most 100 per statement (issue 18)", () => {
  it("matches 120 userNames at once: an or-chain of eq binds one JSON array", async () => {
    const { client } = await createTenant();
    for (const i of [3, 60, 119]) await client.post("/Users", entraUser(`u${i}@x.com`));
    // About 3,300 characters, under the filter length limit; upper case still matches (caseExact false).
    const filter = orChain(120, (i) => `userName eq "U${i}@X.COM"`);
    const page = await client.get(`/Users?filter=${q(filter)}`);
    expect(page.status).toBe(200);
    expect(page.body.Resources.map((r: any) => r.userName).sort()).toEqual(["u119@x.com", "u3@x.com", "u60@x.com"]);
    const searched = await client.post("/Users/.search", { schemas: [SEARCH], filter: orChain(110, (i) => `userName eq "u${i}@x.com"`) });
    expect(searched.status).toBe(200);
    expect(searched.body.totalResults).toBe(2);
  });

  it("answers 55 emails[value co] clauses as one subquery, and refuses 110 displayName co clauses naming the limit", async () => {
    const { client } = await createTenant();
    await client.post("/Users", entraUser("Mail", { emails: [{ type: "work", value: "someone-u54@x.com" }] }));
    const merged = await client.get(`/Users?filter=${q(orChain(55, (i) => `emails[value co "u${i}"]`))}`);
    expect(merged.status).toBe(200);
    expect(merged.body.totalResults).toBe(1);
    refusedForParameters(await client.post("/.search", { schemas: [SEARCH], filter: orChain(110, (i) => `displayName co "${i}"`) }));
  });

  it("answers a filter at the budget and refuses one parameter past it", async () => {
    const { client } = await createTenant();
    await client.post("/Users", entraUser("budget", { displayName: "d7" }));
    // The page statement binds the tenant, the limit and the offset: 97 comparisons make 100.
    const atLimit = await client.get(`/Users?filter=${q(orChain(97, (i) => `displayName co "d${i}"`))}`);
    expect(atLimit.status).toBe(200);
    expect(atLimit.body.totalResults).toBe(1);
    refusedForParameters(await client.get(`/Users?filter=${q(orChain(98, (i) => `displayName co "d${i}"`))}`));
    const groups = await client.get(`/Groups?filter=${q(orChain(97, (i) => `displayName co "g${i}"`))}`);
    expect(groups.status).toBe(200);
    refusedForParameters(await client.get(`/Groups?filter=${q(orChain(98, (i) => `displayName co "g${i}"`))}`));
  });

  it("removes members named by a 200-clause path filter, and refuses one past the budget", async () => {
    const { client, name } = await createTenant();
    const group = (await client.post("/Groups", { schemas: [GROUP], displayName: "Many" })).body;
    await seedMembers(name, group.id, 250, "x");
    const remove = (n: number, clause: (i: number) => string) => client.patch(`/Groups/${group.id}`, removeWhere(n, clause));
    // seedMembers names them x-1..x-250: the chain names x-1..x-200.
    expect((await remove(200, (i) => `value eq "x-${i + 1}"`)).status).toBe(204);
    expect(await memberCount(name, group.id)).toBe(50);
    // The delete binds the tenant and the group: 98 comparisons make 100.
    expect((await remove(98, (i) => `value co "x-${i + 201}"`)).status).toBe(204);
    expect(await memberCount(name, group.id)).toBe(0);
    refusedForParameters(await remove(99, (i) => `value co "x-${i}"`));
  });

  it("answers a Bulk PATCH with such a member path with that operation's own status", async () => {
    const { client, name } = await createTenant();
    const group = (await client.post("/Groups", { schemas: [GROUP], displayName: "Bulk" })).body;
    await seedMembers(name, group.id, 10, "b");
    const bulk = await client.post("/Bulk", {
      schemas: [BULK],
      Operations: [
        { method: "PATCH", path: `/Groups/${group.id}`, data: removeWhere(200, (i) => `value eq "b-${i}"`) },
        { method: "PATCH", path: `/Groups/${group.id}`, data: removeWhere(99, (i) => `value co "b-${i}"`) },
      ],
    });
    expect(bulk.status).toBe(200);
    expect(bulk.body.Operations.map((op: any) => op.status)).toEqual(["200", "400"]);
    expect(bulk.body.Operations[1].response.detail).toContain("maxBoundParameters");
    expect(await memberCount(name, group.id)).toBe(0);
  });

  it("refuses a PATCH path longer than the filter length limit", async () => {
    const { client } = await createTenant();
    const group = (await client.post("/Groups", { schemas: [GROUP], displayName: "Long" })).body;
    const path = (length: number) => `members[value eq "${"x".repeat(length - 'members[value eq ""]'.length)}"]`;
    const at = await client.patch(`/Groups/${group.id}`, { schemas: [PATCH_OP], Operations: [{ op: "remove", path: path(4096) }] });
    expect(at.status).toBe(204);
    const past = await client.patch(`/Groups/${group.id}`, { schemas: [PATCH_OP], Operations: [{ op: "remove", path: path(4097) }] });
    refused(past, "invalidPath", "path longer than 4096 characters");
  });
});

describe("SQL nesting: D1 evaluates expressions at most 100 levels deep", () => {
  it("answers a filter nested to the limit and refuses one level past it", async () => {
    const { client } = await createTenant();
    await client.post("/Users", entraUser("nested", { displayName: "Nested" }));
    for (const path of ["/Users", "/Groups"]) {
      const at = await client.get(`${path}?filter=${q(nested("displayName pr"))}`);
      expect(at.status).toBe(200);
      const past = await client.get(`${path}?filter=${q(nested("not (displayName pr)"))}`);
      refused(past, "invalidFilter", "nested 81 levels deep, over the 80 that storage allows (maxSqlNesting)");
    }
  });

  it("keeps the deepest filters the parser accepts, and long chains, within the limit", async () => {
    const { client } = await createTenant();
    await client.post("/Users", entraUser("deep", { displayName: "Deep" }));
    // Before chains compiled as balanced trees, 100 clauses nested 100 deep and D1 refused them.
    const wide = await client.get(`/Users?filter=${q(Array.from({ length: 200 }, () => "displayName pr").join(" and "))}`);
    expect(wide.body.totalResults).toBe(1);
    const deep = await client.get(`/Users?filter=${q(`${"not (displayName pr and ".repeat(30)}emails[value ew "x"]${")".repeat(30)}`)}`);
    expect(deep.status).toBe(200);
  });

  it("measures a PATCH member filter the same way", async () => {
    const { client } = await createTenant();
    const group = (await client.post("/Groups", { schemas: [GROUP], displayName: "Deep" })).body;
    const remove = (path: string) => ({ schemas: [PATCH_OP], Operations: [{ op: "remove", path }] });
    expect((await client.patch(`/Groups/${group.id}`, remove(`members[${nested("value pr", "type")}]`))).status).toBe(204);
    const past = await client.patch(`/Groups/${group.id}`, remove(`members[${nested("not (value pr)", "type")}]`));
    refused(past, "invalidFilter", "nested 81 levels deep");
  });
});
