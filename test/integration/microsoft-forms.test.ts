import { describe, expect, it } from "vitest";
import { createTenant, entraUser, scimClient } from "../helpers/scim-client.ts";

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
