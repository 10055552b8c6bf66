import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { createTenant, ENTERPRISE, entraUser, PATCH_OP, q, type ScimClient } from "../helpers/scim-client.ts";

const patch = (...Operations: unknown[]) => ({ schemas: [PATCH_OP], Operations });

async function matchOne(client: ScimClient, filter: string) {
  const list = await client.get(`/Users?filter=${q(filter)}`);
  expect(list.status).toBe(200);
  return list.body;
}

describe("Entra user lifecycle", () => {
  it("runs match, create, update, disable, re-enable and delete in the default dialect", async () => {
    const { client } = await createTenant();
    expect((await matchOne(client, 'userName eq "Test_User_1"')).totalResults).toBe(0);

    // Create: the body from entra-scim.md, verbatim.
    const created = await client.post("/Users", {
      schemas: ["urn:ietf:params:scim:schemas:core:2.0:User", "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
      externalId: "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef",
      userName: "Test_User_1",
      active: true,
      emails: [{ primary: true, type: "work", value: "t1@testuser.com" }],
      meta: { resourceType: "User" },
      name: { formatted: "givenName familyName", familyName: "familyName", givenName: "givenName" },
      roles: [],
    });
    expect(created.status).toBe(201);
    const id = created.body.id;
    expect((await matchOne(client, 'userName eq "test_user_1"')).Resources[0].id).toBe(id);
    expect((await matchOne(client, 'externalId eq "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef"')).Resources[0].id).toBe(id);
    expect((await matchOne(client, 'emails[type eq "work"].value eq "t1@testuser.com"')).Resources[0].id).toBe(id);

    // Update: default dialect, one op per attribute, capitalised op names.
    const updated = await client.patch(
      `/Users/${id}`,
      patch(
        { op: "Replace", path: 'emails[type eq "work"].value', value: "new@contoso.com" },
        { op: "Replace", path: "name.familyName", value: "Pkqf" },
        { op: "Replace", path: "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber", value: "Eqpj" },
        { op: "Add", path: "nickName", value: "Babs" },
      ),
    );
    expect(updated.status).toBe(200);
    expect(updated.body.emails).toEqual([{ primary: true, type: "work", value: "new@contoso.com" }]);
    expect(updated.body.name.familyName).toBe("Pkqf");
    expect(updated.body[ENTERPRISE].employeeNumber).toBe("Eqpj");
    expect(updated.body.nickName).toBe("Babs");
    expect(updated.body.meta.version).not.toBe(created.body.meta.version);
    expect(updated.headers.get("ETag")).toBe(updated.body.meta.version);
    expect((await matchOne(client, 'emails[type eq "work"].value eq "new@contoso.com"')).totalResults).toBe(1);
    expect((await matchOne(client, 'emails.value eq "t1@testuser.com"')).totalResults).toBe(0);

    // Manager, written after create as a plain string, returned as {value}.
    const managed = await client.patch(
      `/Users/${id}`,
      patch({ op: "Add", path: "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager", value: "mgr-42" }),
    );
    expect(managed.body[ENTERPRISE].manager).toEqual({ value: "mgr-42" });
    const unmanaged = await client.patch(
      `/Users/${id}`,
      patch({ op: "Replace", path: "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager", value: "" }),
    );
    expect(unmanaged.body[ENTERPRISE].manager).toBeUndefined();

    // Disable and re-enable with Entra's string booleans.
    const disabled = await client.patch(`/Users/${id}`, patch({ op: "Replace", path: "active", value: "False" }));
    expect(disabled.status).toBe(200);
    expect(disabled.body.active).toBe(false);
    const read = await client.get(`/Users/${id}`);
    expect(read.status).toBe(200);
    expect(read.body.active).toBe(false);
    expect((await client.patch(`/Users/${id}`, patch({ op: "Replace", path: "active", value: "True" }))).body.active).toBe(true);

    // Delete: 204, then 404, and a second delete is 404 too.
    expect((await client.delete(`/Users/${id}`)).status).toBe(204);
    expect((await client.get(`/Users/${id}`)).status).toBe(404);
    expect((await client.delete(`/Users/${id}`)).status).toBe(404);
    expect((await matchOne(client, 'userName eq "Test_User_1"')).totalResults).toBe(0);
  });

  it("runs the same lifecycle in the flag dialect (?aadOptscim062020)", async () => {
    const { client } = await createTenant();
    const created = await client.post("/Users?aadOptscim062020", entraUser("Flag_User"));
    const id = created.body.id;
    const updated = await client.patch(
      `/Users/${id}?aadOptscim062020`,
      patch(
        { op: "replace", path: 'emails[type eq "work"].value', value: "x@contoso.com" },
        {
          op: "replace",
          value: {
            displayName: "Bjfe",
            "name.givenName": "Kkom",
            "name.familyName": "Unua",
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber": "Aklq",
          },
        },
      ),
    );
    expect(updated.status).toBe(200);
    expect(updated.body).toMatchObject({
      displayName: "Bjfe",
      name: { givenName: "Kkom", familyName: "Unua", formatted: "givenName familyName" },
      emails: [{ type: "work", value: "x@contoso.com", primary: true }],
      [ENTERPRISE]: { employeeNumber: "Aklq" },
    });
    // displayName lives in an indexed column too: the filter sees the PATCH.
    expect((await matchOne(client, 'displayName eq "bjfe"')).Resources[0].id).toBe(id);

    expect((await client.patch(`/Users/${id}`, patch({ op: "replace", path: "active", value: false }))).body.active).toBe(false);
    expect((await client.patch(`/Users/${id}`, patch({ op: "replace", path: "active", value: true }))).body.active).toBe(true);
    expect((await client.delete(`/Users/${id}`)).status).toBe(204);
    expect((await client.get(`/Users/${id}`)).status).toBe(404);
  });

  it('takes the legacy manager form, a replace on a missing filtered entry, and ""/null clears', async () => {
    const { client } = await createTenant();
    const id = (await client.post("/Users", entraUser("Quirks_User", { title: "Boss", phoneNumbers: [] }))).body.id;
    const result = await client.patch(
      `/Users/${id}`,
      patch(
        { op: "Add", path: "manager", value: [{ $ref: "https://x/Users/m1", value: "m1" }] },
        { op: "Replace", path: 'phoneNumbers[type eq "mobile"].value', value: "+1 555 0100" },
        { op: "Replace", path: 'addresses[type eq "work"].streetAddress', value: "1 Main St" },
        { op: "Replace", path: "title", value: "" },
        { op: "Replace", path: "nickName", value: null },
      ),
    );
    expect(result.status).toBe(200);
    expect(result.body[ENTERPRISE].manager).toMatchObject({ value: "m1" });
    expect(result.body.phoneNumbers).toEqual([{ type: "mobile", value: "+1 555 0100" }]);
    expect(result.body.addresses).toEqual([{ type: "work", streetAddress: "1 Main St" }]);
    expect(result.body.title).toBeUndefined();
  });

  it("takes roles sent as JSON strings inside value", async () => {
    const { client } = await createTenant();
    const id = (await client.post("/Users", entraUser("Role_User"))).body.id;
    const result = await client.patch(`/Users/${id}`, patch({ op: "Add", path: "roles", value: ['{"value":"Admin","primary":true}'] }));
    expect(result.status).toBe(200);
    expect(result.body.roles).toEqual([{ value: "Admin", primary: true }]);
  });

  it("replaces a whole user with PUT, keeping id and created", async () => {
    const { client } = await createTenant();
    const created = (await client.post("/Users", entraUser("Put_User", { nickName: "Old", title: "T" }))).body;
    const replaced = await client.put(`/Users/${created.id}`, { userName: "Put_User_Renamed", nickName: "New" });
    expect(replaced.status).toBe(200);
    expect(replaced.body).toMatchObject({ id: created.id, userName: "Put_User_Renamed", nickName: "New" });
    expect(replaced.body.title).toBeUndefined();
    expect(replaced.body.emails).toBeUndefined();
    expect(replaced.body.meta.created).toBe(created.meta.created);
    expect((await matchOne(client, 'userName eq "put_user"')).totalResults).toBe(0);
    expect((await matchOne(client, 'userName eq "put_user_renamed"')).totalResults).toBe(1);
    expect((await matchOne(client, `emails.value eq "${created.emails[0].value}"`)).totalResults).toBe(0);
    expect((await client.put("/Users/nope", { userName: "x" })).status).toBe(404);
  });

  it("answers 409 when PUT or PATCH would take another user's userName", async () => {
    const { client } = await createTenant();
    await client.post("/Users", entraUser("Taken"));
    const other = (await client.post("/Users", entraUser("Other"))).body;
    expect((await client.put(`/Users/${other.id}`, { userName: "TAKEN" })).status).toBe(409);
    const renamed = await client.patch(`/Users/${other.id}`, patch({ op: "replace", path: "userName", value: "taken" }));
    expect(renamed.status).toBe(409);
    expect(renamed.body.scimType).toBe("uniqueness");
    expect((await client.get(`/Users/${other.id}`)).body.userName).toBe("Other");
  });
});

describe("bad input gets a clear 4xx and changes nothing", () => {
  async function withUser() {
    const tenant = await createTenant();
    const user = (await tenant.client.post("/Users", entraUser("Stable_User"))).body;
    const snapshot = async () => env.DB.prepare("SELECT * FROM users WHERE tenant_id = ? AND id = ?").bind(tenant.name, user.id).first();
    return { ...tenant, user, before: await snapshot(), snapshot };
  }

  it.each([
    ["malformed JSON", "{not json", 400, "invalidSyntax"],
    ["an empty body", "", 400, "invalidSyntax"],
    ["a JSON array", [], 400, "invalidSyntax"],
    ["an unknown op", patch({ op: "Merge", path: "nickName", value: "x" }), 400, "invalidSyntax"],
    ["no Operations", { schemas: [PATCH_OP] }, 400, "invalidSyntax"],
    ["a bad path", patch({ op: "replace", path: "emails[type eq", value: "x" }), 400, "invalidPath"],
    ["an unknown attribute path", patch({ op: "replace", path: "favouriteColour", value: "x" }), 400, "invalidPath"],
    ["remove without a path", patch({ op: "remove" }), 400, "noTarget"],
    ["a wrong type", patch({ op: "replace", path: "active", value: "maybe" }), 400, "invalidValue"],
    ["a number for a complex", patch({ op: "replace", path: "name", value: 12 }), 400, "invalidValue"],
    ["removing userName", patch({ op: "remove", path: "userName" }), 400, undefined],
  ])("PATCH with %s", async (_label, body, status, scimType) => {
    const { client, user, before, snapshot } = await withUser();
    const response = await client.patch(`/Users/${user.id}`, body);
    expect(response.status).toBe(status);
    expect(response.body.status).toBe(String(status));
    if (scimType) expect(response.body.scimType).toBe(scimType);
    expect(await snapshot()).toEqual(before);
  });

  it.each([
    ["malformed JSON", "{", "invalidSyntax"],
    ["no userName", { name: { givenName: "x" } }, "invalidValue"],
    ["a userName of the wrong type", { userName: { a: 1 } }, "invalidValue"],
    ["an email value of the wrong type", { userName: "x", emails: [{ value: { nested: true } }] }, "invalidValue"],
    ["active of the wrong type", { userName: "x", active: "perhaps" }, "invalidValue"],
  ])("POST and PUT with %s", async (_label, body, scimType) => {
    const { client, user, before, snapshot } = await withUser();
    const posted = await client.post("/Users", body);
    expect(posted.status).toBe(400);
    expect(posted.body.scimType).toBe(scimType);
    const put = await client.put(`/Users/${user.id}`, body);
    expect(put.status).toBe(400);
    expect(await snapshot()).toEqual(before);
    expect((await client.get("/Users?count=0")).body.totalResults).toBe(1);
  });

  it("answers 413 for a body over the advertised limit", async () => {
    const { client, user, before, snapshot } = await withUser();
    const huge = { userName: "huge", nickName: "x".repeat(1_100_000) };
    expect((await client.post("/Users", huge)).status).toBe(413);
    const patched = await client.patch(`/Users/${user.id}`, patch({ op: "replace", path: "nickName", value: "x".repeat(1_100_000) }));
    expect(patched.status).toBe(413);
    expect(patched.body.schemas).toEqual(["urn:ietf:params:scim:api:messages:2.0:Error"]);
    expect(await snapshot()).toEqual(before);
  });

  it("answers 405 for unsupported methods and 404 for unknown endpoints", async () => {
    const { client, user } = await withUser();
    expect((await client.request("DELETE", "/Users")).status).toBe(405);
    expect((await client.request("POST", `/Users/${user.id}`, {})).status).toBe(405);
    expect((await client.request("PUT", "/ServiceProviderConfig", {})).status).toBe(405);
    const unknown = await client.get("/Nothing");
    expect(unknown.status).toBe(404);
    expect(unknown.body.schemas).toEqual(["urn:ietf:params:scim:api:messages:2.0:Error"]);
  });
});
