import { describe, expect, it } from "vitest";
import { createTenant, ENTERPRISE, entraUser, PATCH_OP, q, type ScimClient } from "../helpers/scim-client.ts";

const GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group";

// Four users with distinct, comparable attributes: each operator test names exactly who it matches.
async function people() {
  const tenant = await createTenant();
  const make = async (userName: string, extra: Record<string, unknown>) =>
    (await tenant.client.post("/Users", { userName, ...extra })).body;
  const ann = await make("ann@contoso.com", {
    displayName: "Ann Archer",
    nickName: "annie",
    title: "Engineer",
    active: true,
    externalId: "EXT-1",
    name: { givenName: "Ann", familyName: "Archer" },
    emails: [
      { value: "ann@contoso.com", type: "work", primary: true },
      { value: "ann@home.org", type: "home" },
    ],
    [ENTERPRISE]: { department: "R&D", employeeNumber: "100" },
  });
  const bob = await make("bob@contoso.com", {
    displayName: "Bob Baker",
    title: 'The "Boss"',
    active: false,
    externalId: "ext-2",
    name: { givenName: "Bob", familyName: "Baker" },
    emails: [{ value: "bob@fabrikam.com", type: "work" }],
    [ENTERPRISE]: { department: "Sales", employeeNumber: "200" },
  });
  const cy = await make("cy@fabrikam.com", {
    displayName: "Cy Carter",
    nickName: "cyclone",
    active: true,
    name: { givenName: "Cy", familyName: "Carter" },
    [ENTERPRISE]: { department: "r&d" },
  });
  const dee = await make("dee@contoso.com", {
    active: true,
    name: { familyName: "Dunn" },
    phoneNumbers: [{ value: "+1 555", type: "mobile" }],
  });
  return { ...tenant, ann, bob, cy, dee };
}

async function match(client: ScimClient, filter: string) {
  const response = await client.get(`/Users?filter=${q(filter)}&count=200`);
  expect(response.status, `${filter}: ${JSON.stringify(response.body)}`).toBe(200);
  return response.body.Resources.map((r: any) => r.userName.split("@")[0]).sort();
}

describe("filter operators at the HTTP level (RFC 7644 §3.4.2.2)", () => {
  it.each([
    ['userName eq "ANN@contoso.com"', ["ann"]],
    ['displayName ne "Ann Archer"', ["bob", "cy", "dee"]],
    ['nickName co "CLO"', ["cy"]],
    ['userName sw "b"', ["bob"]],
    ['userName ew "@FABRIKAM.com"', ["cy"]],
    ['name.familyName gt "Baker"', ["cy", "dee"]],
    ['name.familyName ge "Baker"', ["bob", "cy", "dee"]],
    ['name.familyName lt "Baker"', ["ann"]],
    ['name.familyName le "baker"', ["ann", "bob"]],
    ["nickName pr", ["ann", "cy"]],
    ["phoneNumbers pr", ["dee"]],
    ["active eq false", ["bob"]],
    ['active eq "True"', ["ann", "cy", "dee"]],
    ['externalId eq "EXT-1"', ["ann"]],
    ['externalId eq "ext-1"', []],
    ['title eq "The \\"Boss\\""', ["bob"]],
  ])("%s", async (filter, expected) => {
    const { client } = await people();
    expect(await match(client, filter)).toEqual(expected);
  });

  it("combines and, or, not with precedence and parentheses", async () => {
    const { client } = await people();
    expect(await match(client, 'userName sw "a" or userName sw "b" and active eq true')).toEqual(["ann"]);
    expect(await match(client, '(userName sw "a" or userName sw "b") and active eq false')).toEqual(["bob"]);
    expect(await match(client, 'not (userName sw "a") and not (nickName pr)')).toEqual(["bob", "dee"]);
    expect(await match(client, "NOT (active eq true OR title pr)")).toEqual([]);
  });

  it("filters multi-valued attributes with value paths and sub-attributes", async () => {
    const { client } = await people();
    expect(await match(client, 'emails[type eq "work" and value co "@contoso.com"]')).toEqual(["ann"]);
    expect(await match(client, 'emails[type eq "home" or value ew "fabrikam.com"]')).toEqual(["ann", "bob"]);
    expect(await match(client, 'emails.type eq "work"')).toEqual(["ann", "bob"]);
    expect(await match(client, "emails[primary eq true]")).toEqual(["ann"]);
    expect(await match(client, 'phoneNumbers[type eq "mobile"].value sw "+1"')).toEqual(["dee"]);
  });

  it("filters extension attributes by full URN, case-insensitively by name", async () => {
    const { client } = await people();
    expect(await match(client, `${ENTERPRISE}:department eq "r&d"`)).toEqual(["ann", "cy"]);
    expect(await match(client, `${ENTERPRISE.toUpperCase()}:DEPARTMENT eq "sales"`)).toEqual(["bob"]);
    expect(await match(client, `${ENTERPRISE}:employeeNumber gt "150"`)).toEqual(["bob"]);
    expect(await match(client, 'USERNAME Eq "cy@fabrikam.com"')).toEqual(["cy"]);
  });

  it("compares meta.created and meta.lastModified as dates", async () => {
    const { client, bob } = await people();
    const after = await client.patch(`/Users/${bob.id}`, {
      schemas: [PATCH_OP],
      Operations: [{ op: "replace", path: "nickName", value: "b" }],
    });
    const since = after.body.meta.lastModified;
    expect(await match(client, `meta.lastModified ge "${since}"`)).toEqual(["bob"]);
    expect(await match(client, `meta.created lt "2000-01-01T00:00:00Z"`)).toEqual([]);
    expect((await match(client, `meta.created gt "2000-01-01"`)).length).toBe(4);
  });

  it("filters Users by groups and Groups by members", async () => {
    const { client, ann, bob } = await people();
    const g = (await client.post("/Groups", { schemas: [GROUP], displayName: "Team", members: [{ value: ann.id }] })).body;
    expect(await match(client, `groups eq "${g.id}"`)).toEqual(["ann"]);
    expect(await match(client, `groups[value eq "${g.id}"]`)).toEqual(["ann"]);
    const groups = await client.get(`/Groups?filter=${q(`members eq "${ann.id}" or members eq "${bob.id}"`)}&attributes=displayName`);
    expect(groups.body.Resources.map((r: any) => r.displayName)).toEqual(["Team"]);
  });
});

describe("sorting (RFC 7644 §3.4.2.3)", () => {
  const order = async (client: ScimClient, query: string) =>
    (await client.get(`/Users?${query}`)).body.Resources.map((r: any) => r.userName.split("@")[0]);

  it("sorts by simple, sub- and extension attributes, ascending by default, missing values last", async () => {
    const { client } = await people();
    expect(await order(client, "sortBy=name.familyName")).toEqual(["ann", "bob", "cy", "dee"]);
    expect(await order(client, "sortBy=name.familyName&sortOrder=descending")).toEqual(["dee", "cy", "bob", "ann"]);
    expect((await order(client, "sortBy=nickName")).slice(0, 2)).toEqual(["ann", "cy"]);
    expect((await order(client, "sortBy=nickName&sortOrder=descending")).slice(2)).toEqual(["cy", "ann"]);
    expect(
      await order(client, `sortBy=${ENTERPRISE}:employeeNumber&sortOrder=descending&filter=${q(`${ENTERPRISE}:employeeNumber pr`)}`),
    ).toEqual(["bob", "ann"]);
    expect(await order(client, "sortBy=emails&filter=emails pr".replace(" ", "%20"))).toEqual(["ann", "bob"]);
    expect(await order(client, "sortBy=userName&sortOrder=DESCENDING")).toEqual(["dee", "cy", "bob", "ann"]);
  });

  it("pages through a sorted list without overlap", async () => {
    const { client } = await createTenant();
    for (let i = 0; i < 9; i++) await client.post("/Users", { userName: `p${i}`, title: `T${i % 3}` });
    const seen: string[] = [];
    for (const start of [1, 4, 7]) {
      seen.push(...(await client.get(`/Users?sortBy=title&startIndex=${start}&count=3`)).body.Resources.map((r: any) => r.userName));
    }
    expect(new Set(seen).size).toBe(9);
    expect(seen.map((u) => Number(u.slice(1)) % 3)).toEqual([0, 0, 0, 1, 1, 1, 2, 2, 2]);
  });

  it("refuses unknown or complex sort attributes and bad sort orders with 400", async () => {
    const { client } = await people();
    for (const query of ["sortBy=nosuch", "sortBy=name", "sortBy=password", "sortBy=userName&sortOrder=sideways"]) {
      const response = await client.get(`/Users?${query}`);
      expect(response.status, query).toBe(400);
      expect(response.body.scimType, query).toBe("invalidValue");
    }
  });
});

describe("attributes and excludedAttributes", () => {
  it("selects sub-attributes and URN-qualified names on lists", async () => {
    const { client } = await people();
    const list = await client.get(
      `/Users?filter=${q('userName eq "ann@contoso.com"')}&attributes=emails.value,${ENTERPRISE}:department,name.givenName`,
    );
    expect(list.body.Resources[0]).toEqual({
      schemas: expect.any(Array),
      id: expect.any(String),
      emails: [{ value: "ann@contoso.com" }, { value: "ann@home.org" }],
      name: { givenName: "Ann" },
      [ENTERPRISE]: { department: "R&D" },
    });
    const excluded = await client.get(
      `/Users?filter=${q('userName eq "ann@contoso.com"')}&excludedAttributes=${ENTERPRISE},emails.type,id,meta`,
    );
    const ann = excluded.body.Resources[0];
    expect(ann[ENTERPRISE]).toBeUndefined();
    expect(ann.emails[0]).toEqual({ value: "ann@contoso.com", primary: true });
    expect(ann.id).toBeDefined(); // returned "always"
    expect(ann.meta).toBeUndefined();
  });
});

describe("POST .search (RFC 7644 §3.4.3)", () => {
  const SEARCH = "urn:ietf:params:scim:api:messages:2.0:SearchRequest";

  it("searches Users and Groups with a SearchRequest body", async () => {
    const { client, ann } = await people();
    await client.post("/Groups", { schemas: [GROUP], displayName: "Alpha", members: [{ value: ann.id }] });
    const users = await client.post("/Users/.search", {
      schemas: [SEARCH],
      filter: 'userName sw "a" or userName sw "b"',
      attributes: ["userName"],
      sortBy: "userName",
      sortOrder: "descending",
      startIndex: 1,
      count: 1,
    });
    expect(users.status).toBe(200);
    expect(users.body).toMatchObject({ totalResults: 2, itemsPerPage: 1, startIndex: 1 });
    expect(users.body.Resources).toEqual([{ schemas: expect.any(Array), id: expect.any(String), userName: "bob@contoso.com" }]);
    const groups = await client.post("/Groups/.search", {
      schemas: [SEARCH],
      filter: 'displayName eq "alpha"',
      excludedAttributes: ["members"],
    });
    expect(groups.body.Resources.map((g: any) => g.displayName)).toEqual(["Alpha"]);
    expect(groups.body.Resources[0].members).toBeUndefined();
    expect((await client.post("/Users/.search", { schemas: [SEARCH], filter: "nope eq" })).body.scimType).toBe("invalidFilter");
    expect((await client.post("/Users/.search", { schemas: ["urn:wrong"] })).status).toBe(400);
  });

  it("searches across resource types at the root", async () => {
    const { client } = await people();
    await client.post("/Groups", { schemas: [GROUP], displayName: "Ann's team" });
    const both = await client.post("/.search", { schemas: [SEARCH], filter: 'displayName sw "ann"', attributes: ["displayName"] });
    expect(both.status).toBe(200);
    expect(both.body.totalResults).toBe(2);
    expect(both.body.Resources.map((r: any) => r.displayName)).toEqual(["Ann Archer", "Ann's team"]);
    const usersOnly = await client.post("/.search", { schemas: [SEARCH], filter: "userName pr", count: 2, startIndex: 4 });
    expect(usersOnly.body).toMatchObject({ totalResults: 4, itemsPerPage: 1, startIndex: 4 });
    const paged = await client.post("/.search", { schemas: [SEARCH], startIndex: 4, count: 2 });
    expect(paged.body.totalResults).toBe(5);
    expect(paged.body.Resources.map((r: any) => r.meta.resourceType)).toEqual(["User", "Group"]);
    expect((await client.post("/.search", { schemas: [SEARCH], filter: 'nosuch eq "x"' })).status).toBe(400);
  });
});

describe("ETags (RFC 7644 §3.14)", () => {
  it("changes meta.version on every write and honours If-Match and If-None-Match", async () => {
    const { client } = await createTenant();
    const created = await client.post("/Users", entraUser("etag_user"));
    const v1 = created.body.meta.version;
    const patch = { schemas: [PATCH_OP], Operations: [{ op: "replace", path: "nickName", value: "n" }] };

    expect((await client.get(`/Users/${created.body.id}`, { "If-None-Match": v1 })).status).toBe(304);
    const stale = await client.request("PATCH", `/Users/${created.body.id}`, patch, { "If-Match": 'W/"999"' });
    expect(stale.status).toBe(412);
    expect(stale.body).toMatchObject({ status: "412" });
    const fresh = await client.request("PATCH", `/Users/${created.body.id}`, patch, { "If-Match": v1 });
    expect(fresh.status).toBe(200);
    const v2 = fresh.body.meta.version;
    expect(v2).not.toBe(v1);
    expect(fresh.headers.get("ETag")).toBe(v2);
    expect((await client.get(`/Users/${created.body.id}`, { "If-None-Match": v1 })).status).toBe(200);

    expect((await client.request("PUT", `/Users/${created.body.id}`, { userName: "x" }, { "If-Match": v1 })).status).toBe(412);
    expect((await client.request("DELETE", `/Users/${created.body.id}`, undefined, { "If-Match": v1 })).status).toBe(412);
    expect((await client.get(`/Users/${created.body.id}`)).body.nickName).toBe("n");
    expect((await client.request("PUT", `/Users/${created.body.id}`, { userName: "etag_user" }, { "If-Match": "*" })).status).toBe(200);
    const current = (await client.get(`/Users/${created.body.id}`)).body.meta.version;
    expect((await client.request("DELETE", `/Users/${created.body.id}`, undefined, { "If-Match": current })).status).toBe(204);
  });

  it("applies If-Match to groups, and advertises ETags", async () => {
    const { client } = await createTenant();
    const group = (await client.post("/Groups", { schemas: [GROUP], displayName: "E" })).body;
    const rename = { schemas: [PATCH_OP], Operations: [{ op: "replace", path: "displayName", value: "F" }] };
    expect((await client.request("PATCH", `/Groups/${group.id}`, rename, { "If-Match": 'W/"7"' })).status).toBe(412);
    const ok = await client.request("PATCH", `/Groups/${group.id}`, rename, { "If-Match": group.meta.version });
    expect(ok.status).toBe(204);
    expect(ok.headers.get("ETag")).toBe('W/"2"');
    expect((await client.get(`/Groups/${group.id}`, { "If-None-Match": 'W/"2"' })).status).toBe(304);
    const spc = (await client.get("/ServiceProviderConfig")).body;
    expect(spc.etag).toEqual({ supported: true });
    expect(spc.sort).toEqual({ supported: true });
  });
});

describe("/Bulk (RFC 7644 §3.7)", () => {
  const BULK = "urn:ietf:params:scim:api:messages:2.0:BulkRequest";

  it("runs operations in order, resolving bulkId references to resources created in the same request", async () => {
    const { client, name } = await createTenant();
    const existing = (await client.post("/Users", entraUser("bulk_existing"))).body;
    const response = await client.post("/Bulk", {
      schemas: [BULK],
      Operations: [
        // The group refers to a user the request creates after it.
        {
          method: "POST",
          path: "/Groups",
          bulkId: "g1",
          data: { schemas: [GROUP], displayName: "Bulk team", members: [{ value: "bulkId:u1" }] },
        },
        { method: "POST", path: "/Users", bulkId: "u1", data: { userName: "bulk_new" } },
        {
          method: "PATCH",
          path: `/Users/${existing.id}`,
          data: { schemas: [PATCH_OP], Operations: [{ op: "replace", path: "active", value: false }] },
        },
        { method: "PUT", path: "/Users/bulkId:u1", data: { userName: "bulk_new", title: "Created then replaced" } },
        { method: "DELETE", path: "/Users/no-such-user" },
      ],
    });
    expect(response.status).toBe(200);
    expect(response.body.schemas).toEqual(["urn:ietf:params:scim:api:messages:2.0:BulkResponse"]);
    const [group, user, patched, put, missing] = response.body.Operations;
    expect(group).toMatchObject({ method: "POST", bulkId: "g1", status: "201" });
    expect(user).toMatchObject({ method: "POST", bulkId: "u1", status: "201", version: 'W/"1"' });
    expect(user.location).toMatch(new RegExp(`^http://${name}\\.localhost/scim/v2/Users/`));
    expect(patched).toMatchObject({ method: "PATCH", status: "200" });
    expect(put).toMatchObject({ method: "PUT", status: "200", version: 'W/"2"' });
    expect(missing).toMatchObject({ method: "DELETE", status: "404", response: { status: "404" } });

    const userId = user.location.split("/").pop();
    const groupBody = (await client.get(group.location.replace(`http://${name}.localhost/scim/v2`, ""))).body;
    expect(groupBody.members.map((m: any) => m.value)).toEqual([userId]);
    expect((await client.get(`/Users/${userId}`)).body.title).toBe("Created then replaced");
    expect((await client.get(`/Users/${existing.id}`)).body.active).toBe(false);
  });

  it("stops after failOnErrors errors and reports circular or unknown bulkIds as 409", async () => {
    const { client } = await createTenant();
    const stopped = await client.post("/Bulk", {
      schemas: [BULK],
      failOnErrors: 1,
      Operations: [
        { method: "POST", path: "/Users", bulkId: "a", data: { userName: "dup" } },
        { method: "POST", path: "/Users", bulkId: "b", data: { userName: "DUP" } },
        { method: "POST", path: "/Users", bulkId: "c", data: { userName: "never_created" } },
      ],
    });
    expect(stopped.body.Operations.map((o: any) => o.status)).toEqual(["201", "409"]);
    expect((await client.get(`/Users?filter=${q('userName eq "never_created"')}`)).body.totalResults).toBe(0);

    const circular = await client.post("/Bulk", {
      schemas: [BULK],
      Operations: [
        { method: "POST", path: "/Groups", bulkId: "x", data: { displayName: "X", members: [{ value: "bulkId:y" }] } },
        { method: "POST", path: "/Groups", bulkId: "y", data: { displayName: "Y", members: [{ value: "bulkId:x" }] } },
        { method: "POST", path: "/Users", bulkId: "z", data: { userName: "z", title: "bulkId:nowhere" } },
      ],
    });
    expect(circular.body.Operations.map((o: any) => o.status)).toEqual(["409", "409", "409"]);
  });

  it("enforces and advertises maxOperations and maxPayloadSize", async () => {
    const { client } = await createTenant();
    const spc = (await client.get("/ServiceProviderConfig")).body;
    expect(spc.bulk).toEqual({ supported: true, maxOperations: 1000, maxPayloadSize: 1_048_576 });
    const tooMany = await client.post("/Bulk", {
      schemas: [BULK],
      Operations: Array.from({ length: 1001 }, (_, i) => ({ method: "DELETE", path: `/Users/x${i}` })),
    });
    expect(tooMany.status).toBe(413);
    const tooBig = await client.post("/Bulk", {
      schemas: [BULK],
      Operations: [{ method: "POST", path: "/Users", bulkId: "big", data: { userName: "big", nickName: "x".repeat(1_100_000) } }],
    });
    expect(tooBig.status).toBe(413);
    for (const bad of [
      { schemas: [BULK], Operations: [{ method: "GET", path: "/Users" }] },
      { schemas: [BULK], Operations: [{ method: "POST", path: "/Users", data: {} }] },
      { Operations: [] },
    ]) {
      expect((await client.post("/Bulk", bad)).status).toBe(400);
    }
  });

  // The unique index decides, as for single creates (writer.test.ts has the test that needs the queue).
  it("unique index: racing bulk creates of one userName make one user", async () => {
    const { client } = await createTenant();
    const requests = Array.from({ length: 10 }, () =>
      client.post("/Bulk", { schemas: [BULK], Operations: [{ method: "POST", path: "/Users", bulkId: "r", data: { userName: "racer" } }] }),
    );
    const statuses = (await Promise.all(requests)).map((r) => r.body.Operations[0].status).sort();
    expect(statuses).toEqual(["201", ...Array(9).fill("409")]);
  });
});

describe("/Me", () => {
  it("answers 501 with a SCIM error", async () => {
    const { client } = await createTenant();
    const me = await client.get("/Me");
    expect(me.status).toBe(501);
    expect(me.body).toMatchObject({ schemas: ["urn:ietf:params:scim:api:messages:2.0:Error"], status: "501" });
  });
});
