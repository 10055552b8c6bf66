import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { addExtension, createTenant, entraUser, PATCH_OP, q, setSettings, USER_SCHEMA } from "../helpers/scim-client.ts";

const SKILLCAST = "urn:scim:skillcast:User";
const GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group";
const patch = (...Operations: unknown[]) => ({ schemas: [PATCH_OP], Operations });

async function skillcastTenant() {
  const tenant = await createTenant("skillcast");
  await addExtension(tenant.name, SKILLCAST, [
    { name: "Division", type: "string" },
    { name: "IsManager", type: "boolean" },
    { name: "Level", type: "integer" },
    { name: "Sites", type: "string", multiValued: true },
    { name: "Badge", type: "string", returned: "request" },
  ]);
  return tenant;
}

describe("per-tenant schema extensions", () => {
  it("provisions a Skillcast-style extension the way Entra sends it: nested, path-style and path-less", async () => {
    const { client } = await skillcastTenant();
    const created = await client.post("/Users", {
      ...entraUser("skill_user"),
      schemas: [USER_SCHEMA, SKILLCAST],
      [SKILLCAST]: { Division: "Sales", isManager: "True", level: "3" },
    });
    expect(created.status).toBe(201);
    expect(created.body.schemas).toContain(SKILLCAST);
    expect(created.body[SKILLCAST]).toEqual({ Division: "Sales", IsManager: true, Level: 3 });

    // Default dialect: one op per attribute, path-style URN, any case.
    const byPath = await client.patch(
      `/Users/${created.body.id}`,
      patch(
        { op: "Replace", path: `${SKILLCAST}:Division`, value: "Operations" },
        { op: "Add", path: "URN:SCIM:SKILLCAST:USER:ismanager", value: "False" },
        { op: "Add", path: `${SKILLCAST}:Sites`, value: ["London", "Leeds"] },
      ),
    );
    expect(byPath.status).toBe(200);
    expect(byPath.body[SKILLCAST]).toEqual({ Division: "Operations", IsManager: false, Level: 3, Sites: ["London", "Leeds"] });

    // Flag dialect: a path-less replace with URN keys.
    const pathless = await client.patch(
      `/Users/${created.body.id}`,
      patch({ op: "replace", value: { [`${SKILLCAST}:Division`]: "R&D", displayName: "Skill" } }),
    );
    expect(pathless.body[SKILLCAST].Division).toBe("R&D");
    expect(pathless.body.displayName).toBe("Skill");

    // Wrong types for the declared attribute types are refused and change nothing.
    const bad = await client.patch(`/Users/${created.body.id}`, patch({ op: "replace", path: `${SKILLCAST}:Level`, value: "senior" }));
    expect(bad.status).toBe(400);
    expect(bad.body.scimType).toBe("invalidValue");
    expect((await client.get(`/Users/${created.body.id}`)).body[SKILLCAST].Level).toBe(3);
  });

  it("ignores attributes of an undeclared URN, and never stores them", async () => {
    const { client, name } = await skillcastTenant();
    const created = await client.post("/Users", {
      ...entraUser("ignore_user"),
      "urn:scim:other:User": { Foo: "bar" },
      "urn:scim:other:User:Baz": "x",
    });
    expect(created.status).toBe(201);
    const patched = await client.patch(
      `/Users/${created.body.id}`,
      patch({ op: "add", path: "urn:scim:other:User:Foo", value: "y" }, { op: "replace", value: { "urn:scim:other:User:Qux": "z" } }),
    );
    expect(patched.status).toBe(200);
    const row = await env.DB.prepare("SELECT data FROM users WHERE tenant_id = ? AND id = ?")
      .bind(name, created.body.id)
      .first<{ data: string }>();
    expect(row?.data).not.toContain("urn:scim:other");
    expect(JSON.stringify(patched.body)).not.toContain("urn:scim:other");
  });

  it("lists the tenant's extensions in /Schemas and /ResourceTypes, with the required flag", async () => {
    const { client, name } = await skillcastTenant();
    await addExtension(name, "urn:scim:skillcast:Group", [{ name: "CostCode", type: "string" }], { resourceType: "Group", required: true });
    const userType = (await client.get("/ResourceTypes/User")).body;
    expect(userType.schemaExtensions).toEqual([
      { schema: "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User", required: false },
      { schema: SKILLCAST, required: false },
    ]);
    expect((await client.get("/ResourceTypes/Group")).body.schemaExtensions).toEqual([
      { schema: "urn:scim:skillcast:Group", required: true },
    ]);
    const schema = (await client.get(`/Schemas/${SKILLCAST}`)).body;
    expect(schema.attributes.map((a: any) => [a.name, a.type, a.multiValued])).toEqual([
      ["Division", "string", false],
      ["IsManager", "boolean", false],
      ["Level", "integer", false],
      ["Sites", "string", true],
      ["Badge", "string", false],
    ]);
    const ids = (await client.get("/Schemas")).body.Resources.map((s: any) => s.id);
    expect(ids).toEqual(expect.arrayContaining([USER_SCHEMA, SKILLCAST, "urn:scim:skillcast:Group", GROUP]));
  });

  it("filters, sorts and projects extension attributes like core ones, and honours returned: request", async () => {
    const { client } = await skillcastTenant();
    for (const [user, division, level] of [
      ["a1", "Sales", 2],
      ["b2", "sales", 1],
      ["c3", "Ops", 3],
    ] as const) {
      await client.post("/Users", { userName: user, [SKILLCAST]: { Division: division, Level: level, Badge: `B-${user}` } });
    }
    const sales = await client.get(
      `/Users?filter=${q(`${SKILLCAST}:division eq "SALES"`)}&sortBy=${SKILLCAST}:Level&attributes=${SKILLCAST}:Division`,
    );
    expect(sales.body.Resources.map((r: any) => r[SKILLCAST])).toEqual([{ Division: "sales" }, { Division: "Sales" }]);
    expect(sales.body.Resources[0].userName).toBeUndefined();
    expect((await client.get(`/Users?filter=${q(`${SKILLCAST}:Level gt 1`)}`)).body.totalResults).toBe(2);
    const full = (await client.get(`/Users?filter=${q('userName eq "a1"')}`)).body.Resources[0];
    expect(full[SKILLCAST]).toEqual({ Division: "Sales", Level: 2 });
    const asked = (await client.get(`/Users?filter=${q('userName eq "a1"')}&attributes=${SKILLCAST}:Badge`)).body.Resources[0];
    expect(asked[SKILLCAST]).toEqual({ Badge: "B-a1" });
  });

  it("keeps two tenants' extensions apart", async () => {
    const skill = await skillcastTenant();
    const acme = await createTenant("acme");
    await addExtension(acme.name, "urn:scim:acme:User", [{ name: "Region", type: "string" }]);
    const ids = async (client: typeof acme.client) => (await client.get("/Schemas")).body.Resources.map((s: any) => s.id);
    expect(await ids(skill.client)).not.toContain("urn:scim:acme:User");
    expect(await ids(acme.client)).not.toContain(SKILLCAST);
    expect((await acme.client.get(`/Schemas/${SKILLCAST}`)).status).toBe(404);
    expect((await acme.client.get("/ResourceTypes/User")).body.schemaExtensions.map((e: any) => e.schema)).not.toContain(SKILLCAST);

    const created = await acme.client.post("/Users", {
      userName: "acme_user",
      [SKILLCAST]: { Division: "X" },
      "urn:scim:acme:User": { Region: "EU" },
    });
    expect(created.body[SKILLCAST]).toBeUndefined();
    expect(created.body["urn:scim:acme:User"]).toEqual({ Region: "EU" });
    const foreignFilter = await acme.client.get(`/Users?filter=${q(`${SKILLCAST}:Division eq "X"`)}`);
    expect(foreignFilter.status).toBe(400);
    expect(foreignFilter.body.scimType).toBe("invalidFilter");
  });
});

describe("per-tenant policies", () => {
  it("refuses users outside a GoTo-style tenant's verified domains, with a message an Entra admin understands", async () => {
    const { client, name } = await createTenant("goto");
    await setSettings(name, { allowedDomains: ["contoso.com", "fabrikam.com"] });
    const outside = await client.post("/Users", entraUser("mallory@evil.com"));
    expect(outside.status).toBe(400);
    expect(outside.body.scimType).toBe("invalidValue");
    expect(outside.body.detail).toContain(
      'userName "mallory@evil.com" is not in an email domain this organisation allows (contoso.com, fabrikam.com)',
    );
    const noDomain = await client.post("/Users", entraUser("Test_User_1"));
    expect(noDomain.status).toBe(400);
    const workEmail = await client.post("/Users", { userName: "bob@contoso.com", emails: [{ type: "work", value: "bob@gmail.com" }] });
    expect(workEmail.status).toBe(400);
    expect(workEmail.body.detail).toContain('work email "bob@gmail.com"');

    const inside = await client.post("/Users", {
      userName: "Alice@CONTOSO.com",
      emails: [
        { type: "work", value: "alice@fabrikam.com" },
        { type: "home", value: "a@gmail.com" },
      ],
    });
    expect(inside.status).toBe(201);
    const moved = await client.patch(
      `/Users/${inside.body.id}`,
      patch({ op: "Replace", path: 'emails[type eq "work"].value', value: "alice@evil.com" }),
    );
    expect(moved.status).toBe(400);
    expect((await client.get(`/Users/${inside.body.id}`)).body.emails[0].value).toBe("alice@fabrikam.com");
    expect((await client.get("/Users?count=0")).body.totalResults).toBe(1);
  });

  it("soft-deletes when the tenant says so: deactivated, hidden, kept for the SaaS side, restored by a re-create", async () => {
    const { client, name } = await createTenant("soft");
    await setSettings(name, { deleteMode: "soft" });
    const user = (await client.post("/Users", entraUser("leaver@contoso.com"))).body;
    const group = (await client.post("/Groups", { schemas: [GROUP], displayName: "G", members: [{ value: user.id }] })).body;

    expect((await client.delete(`/Users/${user.id}`)).status).toBe(204);
    expect((await client.get(`/Users/${user.id}`)).status).toBe(404);
    expect((await client.get(`/Users?filter=${q('userName eq "leaver@contoso.com"')}`)).body.totalResults).toBe(0);
    expect((await client.delete(`/Users/${user.id}`)).status).toBe(404);
    expect((await client.get(`/Groups/${group.id}`)).body.members).toEqual([]);
    const row = await env.DB.prepare(
      "SELECT active, deleted_at, version, json_extract(data, '$.active') AS data_active, json_extract(data, '$.userName') AS user_name FROM users WHERE tenant_id = ? AND id = ?",
    )
      .bind(name, user.id)
      .first<{ active: number; deleted_at: string }>();
    expect(row).toMatchObject({ active: 0, data_active: 0, version: 2, user_name: "leaver@contoso.com" });
    expect(row?.deleted_at).toBeTruthy();

    // Entra re-creating the user (e.g. re-assigned) restores the same record.
    const restored = await client.post("/Users", entraUser("LEAVER@contoso.com", { displayName: "Back" }));
    expect(restored.status).toBe(201);
    expect(restored.body.id).toBe(user.id);
    expect(restored.body).toMatchObject({ active: true, displayName: "Back", userName: "LEAVER@contoso.com" });
    expect((await client.get(`/Users/${user.id}`)).status).toBe(200);
  });

  it("checks If-Match on a soft delete against the row it marks", async () => {
    const { client, name } = await createTenant("softmatch");
    await setSettings(name, { deleteMode: "soft" });
    const user = (await client.post("/Users", entraUser("careful@contoso.com"))).body;
    const v1 = user.meta.version;
    await client.patch(`/Users/${user.id}`, patch({ op: "replace", path: "displayName", value: "Two" }));
    expect((await client.request("DELETE", `/Users/${user.id}`, undefined, { "If-Match": v1 })).status).toBe(412);
    const current = (await client.get(`/Users/${user.id}`)).body.meta.version;
    expect((await client.request("DELETE", `/Users/${user.id}`, undefined, { "If-Match": current })).status).toBe(204);
    expect((await client.get(`/Users/${user.id}`)).status).toBe(404);
  });

  it("hard-deletes by default", async () => {
    const { client, name } = await createTenant("hard");
    const user = (await client.post("/Users", entraUser("gone@contoso.com"))).body;
    expect((await client.delete(`/Users/${user.id}`)).status).toBe(204);
    const row = await env.DB.prepare("SELECT count(*) AS n FROM users WHERE tenant_id = ?").bind(name).first<{ n: number }>();
    expect(row?.n).toBe(0);
  });

  it("switches group provisioning off: /Groups answers 403 and discovery omits Groups", async () => {
    const { client, name } = await createTenant("nogroups");
    await setSettings(name, { groupsEnabled: false });
    for (const response of [
      await client.get("/Groups"),
      await client.post("/Groups", { schemas: [GROUP], displayName: "X" }),
      await client.get(`/Groups?excludedAttributes=members&filter=${q('displayName eq "X"')}`),
    ]) {
      expect(response.status).toBe(403);
      expect(response.body).toMatchObject({ schemas: ["urn:ietf:params:scim:api:messages:2.0:Error"], status: "403" });
      expect(response.body.detail).toContain("Group provisioning is disabled for this tenant");
    }
    expect((await client.get("/ResourceTypes")).body.Resources.map((t: any) => t.id)).toEqual(["User"]);
    expect((await client.get("/ResourceTypes/Group")).status).toBe(404);
    expect((await client.get("/Schemas")).body.Resources.map((s: any) => s.id)).not.toContain(GROUP);
    const bulk = await client.post("/Bulk", {
      schemas: ["urn:ietf:params:scim:api:messages:2.0:BulkRequest"],
      Operations: [
        { method: "POST", path: "/Groups", bulkId: "g", data: { displayName: "X" } },
        { method: "POST", path: "/Users", bulkId: "u", data: { userName: "still_works" } },
      ],
    });
    expect(bulk.body.Operations.map((o: any) => o.status)).toEqual(["403", "201"]);
    const search = await client.post("/.search", { schemas: ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"] });
    expect(search.body.Resources.map((r: any) => r.meta.resourceType)).toEqual(["User"]);
  });
});
