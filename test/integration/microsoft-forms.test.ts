import { describe, expect, it } from "vitest";
import { createTenant, entraUser, PATCH_OP, q, scimClient, USER_SCHEMA } from "../helpers/scim-client.ts";

// Forms that Microsoft's SCIMReferenceCode Postman collection (and a public conformance suite) send,
// which its reference server accepts and RFC 7644 leaves undefined.

describe("endpoint names in any case", () => {
  it("serves resource and discovery endpoints under /scim/v2 and /scim whatever the case of their names", async () => {
    const { name, token, client } = await createTenant();
    const user = (await client.post("/users", entraUser("Lower_Case"))).body;
    expect(user.id).toBeDefined();
    const bare = scimClient({ host: `${name}.localhost`, token, prefix: "/scim" });
    const shouting = scimClient({ host: `${name}.localhost`, token, prefix: "/SCIM/V2" });

    for (const [c, path] of [
      [client, "/users"],
      [bare, "/USERS"],
      [shouting, "/Users"],
      [client, "/groups"],
      [client, "/schemas"],
      [client, "/serviceproviderconfig"],
      [client, "/resourcetypes"],
      [client, "/resourcetypes/user"],
    ] as const) {
      expect((await c.get(path)).status, path).toBe(200);
    }
    const listed = await client.get("/users");
    expect(listed.body.totalResults).toBe(1);
    expect(listed.body.Resources[0].meta.location).toMatch(new RegExp(`/scim/v2/Users/${user.id}$`));
    expect((await bare.get(`/users/${user.id}`)).body.userName).toBe("Lower_Case");

    const search = { schemas: ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"], filter: 'userName eq "lower_case"' };
    expect((await client.post("/users/.SEARCH", search)).body.totalResults).toBe(1);
    expect((await client.post("/.Search", search)).body.totalResults).toBe(1);
    const bulk = await client.post("/bulk", {
      schemas: ["urn:ietf:params:scim:api:messages:2.0:BulkRequest"],
      Operations: [{ method: "DELETE", path: `/users/${user.id}` }],
    });
    expect(bulk.status).toBe(200);
    expect(bulk.body.Operations[0].status).toBe("204");
  });

  it("keeps ids case-sensitive and answers 405, not 404, for a wrong method on a lower-case endpoint", async () => {
    const { client } = await createTenant();
    const user = (await client.post("/Users", entraUser("Case_Id"))).body;
    expect((await client.get(`/users/${user.id.toUpperCase()}`)).status).toBe(404);
    expect((await client.request("DELETE", "/users")).status).toBe(405);
    expect((await client.get("/nothing")).status).toBe(404);
  });
});

describe("unquoted filter values", () => {
  async function seeded() {
    const { client } = await createTenant();
    await client.post("/Users", entraUser("OEmployee", { name: { givenName: "Olga", familyName: "Employee" } }));
    await client.post("/Users", entraUser("Other", { name: { givenName: "Otto", familyName: "007" }, active: false }));
    await client.post("/Users", entraUser("Bob", { name: { givenName: "Bob", familyName: "Builder" } }));
    return client;
  }
  const names = (body: { Resources: { userName: string }[] }) => body.Resources.map((r) => r.userName).sort();

  it("reads them by the attribute's declared type, as Microsoft's reference collection sends them", async () => {
    const client = await seeded();
    for (const [filter, expected] of [
      ["userName sw O", ["OEmployee", "Other"]],
      ["name.familyName eq Employee", ["OEmployee"]],
      ["name.familyName eq 007", ["Other"]],
      ["meta.created gt 2020-01-01T00:00:00Z", ["Bob", "OEmployee", "Other"]],
      ["meta.created lt 2020-01-01T00:00:00Z", []],
      ["active eq False", ["Other"]],
      ["emails[type eq work].value eq bob@testuser.com", ["Bob"]],
      ["userName sw O and not (name.familyName eq 007)", ["OEmployee"]],
    ] as const) {
      const response = await client.get(`/Users?filter=${q(filter)}`);
      expect(response.status, filter).toBe(200);
      expect(names(response.body), filter).toEqual(expected);
    }
  });

  it("keeps invalidFilter where the type leaves the meaning open", async () => {
    const client = await seeded();
    for (const filter of ["active eq yes", "meta.created gt yesterday", "userName eq and", 'userName eq or name.familyName eq "x"']) {
      const response = await client.get(`/Users?filter=${q(filter)}`);
      expect(response.status, filter).toBe(400);
      expect(response.body, filter).toMatchObject({ status: "400", scimType: "invalidFilter" });
    }
  });

  it("reads them in PATCH value paths too", async () => {
    const { client } = await createTenant();
    const user = (await client.post("/Users", entraUser("Patched"))).body;
    const patched = await client.patch(`/Users/${user.id}`, {
      schemas: [PATCH_OP],
      Operations: [{ op: "replace", path: "emails[type eq work].value", value: "new@contoso.com" }],
    });
    expect(patched.status).toBe(200);
    expect(patched.body.emails).toEqual([{ primary: true, type: "work", value: "new@contoso.com" }]);
  });
});

describe("value filters in attributes", () => {
  it("mean the attribute they filter, in a list, a .search and a single read", async () => {
    const { client } = await createTenant();
    const user = (await client.post("/Users", entraUser("Projected"))).body;
    const wanted = { schemas: user.schemas, id: user.id, emails: user.emails };

    const listed = await client.get(`/Users?attributes=${q('emails[type eq "work"]')}`);
    expect(listed.status).toBe(200);
    expect(listed.body.Resources).toEqual([wanted]);
    const searched = await client.post("/Users/.search", {
      schemas: ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],
      attributes: ['emails[type eq "work"]'],
    });
    expect(searched.body.Resources).toEqual([wanted]);
    const read = await client.get(`/Users/${user.id}?attributes=${q('emails[type eq "work"].value,userName')}`);
    expect(read.body).toEqual({ schemas: user.schemas, id: user.id, userName: "Projected", emails: [{ value: user.emails[0].value }] });
  });
});

describe("bare-string group members in PATCH", () => {
  it("read a string where a member object belongs as that member's value", async () => {
    const { client } = await createTenant();
    const [u1, u2, u3] = await Promise.all(["m1", "m2", "m3"].map(async (n) => (await client.post("/Users", entraUser(n))).body.id));
    const group = (await client.post("/Groups", { schemas: ["urn:ietf:params:scim:schemas:core:2.0:Group"], displayName: "Bare" })).body;
    const patch = (...Operations: unknown[]) => client.patch(`/Groups/${group.id}`, { schemas: [PATCH_OP], Operations });
    const memberIds = async () =>
      ((await client.get(`/Groups/${group.id}`)).body.members ?? []).map((m: { value: string }) => m.value).sort();

    expect((await patch({ op: "add", path: "members", value: u1 })).status).toBe(204);
    expect(await memberIds()).toEqual([u1]);
    expect((await patch({ op: "Add", path: "members", value: [u2, { value: u3 }] })).status).toBe(204);
    expect(await memberIds()).toEqual([u1, u2, u3].sort());
    expect((await patch({ op: "remove", path: "members", value: [u1, u2] })).status).toBe(204);
    expect(await memberIds()).toEqual([u3]);
    expect((await patch({ op: "replace", path: "members", value: [u1] })).status).toBe(204);
    expect(await memberIds()).toEqual([u1]);
    expect((await patch({ op: "add", value: { members: u2 } })).status).toBe(204);
    expect(await memberIds()).toEqual([u1, u2].sort());
  });
});

describe("core attributes nested under the core schema URN", () => {
  const GROUP_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Group";

  it("are read as top-level attributes in POST and PUT, for Users and Groups", async () => {
    const { client } = await createTenant();
    const created = await client.post("/Users", {
      schemas: [USER_SCHEMA],
      [USER_SCHEMA]: { userName: "Nested_User", name: { givenName: "Nes", familyName: "Ted" }, active: "True" },
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ userName: "Nested_User", name: { givenName: "Nes", familyName: "Ted" }, active: true });
    expect(created.body[USER_SCHEMA]).toBeUndefined();
    const matched = await client.get(`/Users?filter=${q('userName eq "nested_user"')}`);
    expect(matched.body.totalResults).toBe(1);

    const replaced = await client.put(`/Users/${created.body.id}`, {
      schemas: [USER_SCHEMA],
      [USER_SCHEMA.toLowerCase()]: { userName: "Nested_User", displayName: "Replaced" },
    });
    expect(replaced.status).toBe(200);
    expect(replaced.body).toMatchObject({ userName: "Nested_User", displayName: "Replaced" });
    expect(replaced.body.name).toBeUndefined();

    const group = await client.post("/Groups", {
      schemas: [GROUP_SCHEMA],
      [GROUP_SCHEMA]: { displayName: "Nested Group", members: [{ value: created.body.id }] },
    });
    expect(group.status).toBe(201);
    expect(group.body).toMatchObject({ displayName: "Nested Group", members: [{ value: created.body.id }] });
  });

  it("give way to the same attribute sent at the top level", async () => {
    const { client } = await createTenant();
    const created = await client.post("/Users", { userName: "Top_Level", [USER_SCHEMA]: { userName: "Nested", nickName: "Nick" } });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ userName: "Top_Level", nickName: "Nick" });
  });
});
