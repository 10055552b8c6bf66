import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { addExtension, createTenant, PATCH_OP, q, setSettings } from "../helpers/scim-client.ts";

// What /Schemas declares about a tenant's extension attributes, the server does (issue 13):
// each characteristic is checked through HTTP, the way Entra or any RFC 7643 client relies on it.

const HR = "urn:scim:hr:User";
const patch = (...Operations: unknown[]) => ({ schemas: [PATCH_OP], Operations });

describe("required", () => {
  it("holds an included extension to its required attributes, on POST, PUT and PATCH", async () => {
    const { client, name } = await createTenant("req");
    await addExtension(name, HR, [
      { name: "Division", type: "string" },
      { name: "Level", type: "integer", required: true },
    ]);
    const level = (await client.get(`/Schemas/${HR}`)).body.attributes.find((a: any) => a.name === "Level");
    expect(level.required).toBe(true);

    // The extension is optional (RFC 7643 §3.3): a user without it is fine.
    expect((await client.post("/Users", { userName: "no_ext" })).status).toBe(201);
    const missing = await client.post("/Users", { userName: "no_level", [HR]: { Division: "Sales" } });
    expect(missing.status).toBe(400);
    expect(missing.body).toMatchObject({ scimType: "invalidValue", detail: `${HR}:Level is required` });

    const created = await client.post("/Users", { userName: "with_level", [HR]: { Division: "Sales", level: "2" } });
    expect(created.status).toBe(201);
    const id = created.body.id;
    const put = await client.put(`/Users/${id}`, { userName: "with_level", [HR]: { Division: "Ops" } });
    expect(put.status).toBe(400);
    expect(put.body.scimType).toBe("invalidValue");
    const removed = await client.patch(`/Users/${id}`, patch({ op: "remove", path: `${HR}:Level` }));
    expect(removed.status).toBe(400);
    expect(removed.body.scimType).toBe("mutability");
    expect((await client.get(`/Users/${id}`)).body[HR]).toEqual({ Division: "Sales", Level: 2 });

    // Leaving the optional extension altogether leaves nothing required behind.
    const left = await client.patch(`/Users/${id}`, patch({ op: "remove", path: HR }));
    expect(left.status).toBe(200);
    expect(left.body[HR]).toBeUndefined();
  });

  it("requires a required extension on every resource of its type", async () => {
    const { client, name } = await createTenant("reqext");
    await addExtension(name, "urn:scim:hr:Group", [{ name: "CostCode", type: "string" }], { resourceType: "Group", required: true });
    const GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group";
    const without = await client.post("/Groups", { schemas: [GROUP], displayName: "No cost code" });
    expect(without.status).toBe(400);
    expect(without.body).toMatchObject({ scimType: "invalidValue", detail: "the extension urn:scim:hr:Group is required" });
    const created = await client.post("/Groups", { schemas: [GROUP], displayName: "Costed", "urn:scim:hr:Group": { CostCode: "C1" } });
    expect(created.status).toBe(201);
    const removed = await client.patch(`/Groups/${created.body.id}`, patch({ op: "remove", path: "urn:scim:hr:Group" }));
    expect(removed.status).toBe(400);
    expect(removed.body.scimType).toBe("mutability");
    const cleared = await client.patch(`/Groups/${created.body.id}`, patch({ op: "remove", path: "urn:scim:hr:Group:CostCode" }));
    expect(cleared.status).toBe(400);
  });
});

describe("uniqueness: server", () => {
  const EMPLOYEE = `${HR}:EmployeeId`;
  async function uniqueTenant(prefix: string) {
    const tenant = await createTenant(prefix);
    await addExtension(tenant.name, HR, [
      { name: "EmployeeId", type: "string", uniqueness: "server" },
      { name: "Badges", type: "string", multiValued: true, caseExact: true, uniqueness: "server" },
      { name: "Division", type: "string" },
    ]);
    return tenant;
  }
  const rows = async (tenant: string) =>
    (await env.DB.prepare("SELECT attribute, value FROM unique_values WHERE tenant_id = ? ORDER BY attribute, value").bind(tenant).all())
      .results;

  it("refuses a value another user holds with 409 uniqueness, on POST, PUT and PATCH, and frees it on change and delete", async () => {
    const { client, name } = await uniqueTenant("uniq");
    expect((await client.get(`/Schemas/${HR}`)).body.attributes[0]).toMatchObject({ name: "EmployeeId", uniqueness: "server" });
    const a = (await client.post("/Users", { userName: "a", [HR]: { EmployeeId: "E1", Division: "Ops" } })).body;
    const dup = await client.post("/Users", { userName: "b", [HR]: { EmployeeId: "e1" } });
    expect(dup.status).toBe(409);
    expect(dup.body).toMatchObject({ status: "409", scimType: "uniqueness" });
    expect(dup.body.detail).toContain("already held by another User");
    expect((await client.get("/Users?count=0")).body.totalResults).toBe(1);
    // Values other users don't hold, and attributes not declared unique, are free to repeat.
    const b = (await client.post("/Users", { userName: "b", [HR]: { EmployeeId: "E2", Division: "Ops" } })).body;

    const put = await client.put(`/Users/${b.id}`, { userName: "b", [HR]: { EmployeeId: "E1" } });
    expect(put.status).toBe(409);
    expect(put.body.scimType).toBe("uniqueness");
    const patched = await client.patch(`/Users/${b.id}`, patch({ op: "replace", path: EMPLOYEE, value: "E1" }));
    expect(patched.status).toBe(409);
    expect((await client.get(`/Users/${b.id}`)).body[HR].EmployeeId).toBe("E2");

    // A changed value is free at once; so are a deleted user's.
    expect((await client.patch(`/Users/${a.id}`, patch({ op: "replace", path: EMPLOYEE, value: "E3" }))).status).toBe(200);
    expect((await client.patch(`/Users/${b.id}`, patch({ op: "replace", path: EMPLOYEE, value: "E1" }))).status).toBe(200);
    expect((await client.delete(`/Users/${a.id}`)).status).toBe(204);
    expect((await client.post("/Users", { userName: "c", [HR]: { EmployeeId: "E3" } })).status).toBe(201);
    expect(await rows(name)).toEqual([
      { attribute: EMPLOYEE.toLowerCase(), value: "e1" },
      { attribute: EMPLOYEE.toLowerCase(), value: "e3" },
    ]);
  });

  it("treats each value of a multi-valued unique attribute as unique, following caseExact", async () => {
    const { client } = await uniqueTenant("uniqmv");
    const first = await client.post("/Users", { userName: "a", [HR]: { Badges: ["X", "Y", "X"] } });
    expect(first.status).toBe(201);
    expect((await client.post("/Users", { userName: "b", [HR]: { Badges: ["x", "Z"] } })).status).toBe(201);
    const taken = await client.post("/Users", { userName: "c", [HR]: { Badges: ["W", "Y"] } });
    expect(taken.status).toBe(409);
    expect(taken.body.scimType).toBe("uniqueness");
    // Its own values are not a conflict with itself.
    const again = await client.put(`/Users/${first.body.id}`, { userName: "a", [HR]: { Badges: ["Y", "X", "V"] } });
    expect(again.status).toBe(200);
  });

  it("lets exactly one of many concurrent creates hold a value", async () => {
    const { client, name } = await uniqueTenant("uniqrace");
    const responses = await Promise.all(
      Array.from({ length: 20 }, (_, i) => client.post("/Users", { userName: `racer${i}`, [HR]: { EmployeeId: "SAME" } })),
    );
    expect(responses.filter((r) => r.status === 201)).toHaveLength(1);
    expect(responses.filter((r) => r.status === 409 && r.body.scimType === "uniqueness")).toHaveLength(19);
    expect((await client.get(`/Users?filter=${q(`${EMPLOYEE} eq "same"`)}`)).body.totalResults).toBe(1);
    expect(await rows(name)).toEqual([{ attribute: EMPLOYEE.toLowerCase(), value: "same" }]);
  });

  it("frees a soft-deleted user's values, and takes them again when a re-create restores it", async () => {
    const { client, name } = await uniqueTenant("uniqsoft");
    await setSettings(name, { deleteMode: "soft" });
    const leaver = (await client.post("/Users", { userName: "leaver", [HR]: { EmployeeId: "E1" } })).body;
    expect((await client.delete(`/Users/${leaver.id}`)).status).toBe(204);
    const heir = (await client.post("/Users", { userName: "heir", [HR]: { EmployeeId: "E1" } })).body;
    const back = await client.post("/Users", { userName: "leaver", [HR]: { EmployeeId: "E1" } });
    expect(back.status).toBe(409);
    expect(back.body.scimType).toBe("uniqueness");
    expect((await client.delete(`/Users/${heir.id}`)).status).toBe(204);
    const restored = await client.post("/Users", { userName: "leaver", [HR]: { EmployeeId: "E1" } });
    expect(restored.status).toBe(201);
    expect(restored.body.id).toBe(leaver.id);
    expect(await rows(name)).toEqual([{ attribute: EMPLOYEE.toLowerCase(), value: "e1" }]);
  });

  it("holds for Groups, and frees a deleted group's values", async () => {
    const { client, name } = await createTenant("uniqgrp");
    const EXT = "urn:scim:hr:Group";
    await addExtension(name, EXT, [{ name: "Code", type: "string", uniqueness: "server" }], { resourceType: "Group" });
    const g1 = (await client.post("/Groups", { displayName: "G1", [EXT]: { Code: "C" } })).body;
    const dup = await client.post("/Groups", { displayName: "G2", [EXT]: { Code: "c" } });
    expect(dup.status).toBe(409);
    expect(dup.body).toMatchObject({ scimType: "uniqueness", detail: `the value of ${EXT}:Code is already held by another Group` });
    const g2 = (await client.post("/Groups", { displayName: "G2", [EXT]: { Code: "D" } })).body;
    expect((await client.put(`/Groups/${g2.id}`, { displayName: "G2", [EXT]: { Code: "C" } })).status).toBe(409);
    expect((await client.patch(`/Groups/${g2.id}`, patch({ op: "replace", path: `${EXT}:Code`, value: "C" }))).status).toBe(409);
    expect((await client.delete(`/Groups/${g1.id}`)).status).toBe(204);
    expect((await client.patch(`/Groups/${g2.id}`, patch({ op: "replace", path: `${EXT}:Code`, value: "C" }))).status).toBe(204);
    expect((await client.get(`/Groups/${g2.id}`)).body[EXT]).toEqual({ Code: "C" });
  });
});

describe("mutability: immutable", () => {
  it("lets PUT set an immutable attribute once, refuses a change with mutability, and keeps it when left out", async () => {
    const { client, name } = await createTenant("immut");
    await addExtension(name, HR, [
      { name: "EmployeeId", type: "string", mutability: "immutable" },
      { name: "Division", type: "string" },
    ]);
    const { id } = (await client.post("/Users", { userName: "imm_user", [HR]: { Division: "Ops" } })).body;
    const set = await client.put(`/Users/${id}`, { userName: "imm_user", [HR]: { Division: "Ops", EmployeeId: "E1" } });
    expect(set.status).toBe(200);
    expect(set.body[HR].EmployeeId).toBe("E1");

    const changed = await client.put(`/Users/${id}`, { userName: "imm_user", [HR]: { Division: "Sales", EmployeeId: "E2" } });
    expect(changed.status).toBe(400);
    expect(changed.body).toMatchObject({ scimType: "mutability", detail: `${HR}:EmployeeId is immutable: it cannot change once set` });
    expect((await client.get(`/Users/${id}`)).body[HR]).toEqual({ Division: "Ops", EmployeeId: "E1" });

    // caseExact is false: the same value in another case is the same value, and the stored one stays.
    const same = await client.put(`/Users/${id}`, { userName: "imm_user", [HR]: { Division: "Sales", EmployeeId: "e1" } });
    expect(same.status).toBe(200);
    expect(same.body[HR]).toEqual({ Division: "Sales", EmployeeId: "E1" });
    const omitted = await client.put(`/Users/${id}`, { userName: "imm_user", displayName: "No extension" });
    expect(omitted.status).toBe(200);
    expect(omitted.body[HR]).toEqual({ EmployeeId: "E1" });

    const patched = await client.patch(`/Users/${id}`, patch({ op: "replace", path: `${HR}:EmployeeId`, value: "E3" }));
    expect(patched.status).toBe(400);
    expect(patched.body.scimType).toBe("mutability");
  });

  it("holds for a Group's extension too", async () => {
    const { client, name } = await createTenant("immgrp");
    const EXT = "urn:scim:hr:Group";
    await addExtension(name, EXT, [{ name: "Code", type: "string", caseExact: true, mutability: "immutable" }], { resourceType: "Group" });
    const { id } = (await client.post("/Groups", { displayName: "G", [EXT]: { Code: "abc" } })).body;
    const changed = await client.put(`/Groups/${id}`, { displayName: "G", [EXT]: { Code: "ABC" } });
    expect(changed.status).toBe(400);
    expect(changed.body.scimType).toBe("mutability");
    const renamed = await client.put(`/Groups/${id}`, { displayName: "H", [EXT]: { Code: "abc" } });
    expect(renamed.status).toBe(200);
    expect(renamed.body).toMatchObject({ displayName: "H", [EXT]: { Code: "abc" } });
  });
});

describe("returned: always", () => {
  it("returns an always attribute whatever attributes or excludedAttributes ask for", async () => {
    const { client, name } = await createTenant("always");
    await addExtension(name, HR, [
      { name: "Badge", type: "string", returned: "always" },
      { name: "Division", type: "string" },
    ]);
    const { id } = (await client.post("/Users", { userName: "badged", displayName: "B", [HR]: { Badge: "B-1", Division: "Ops" } })).body;
    const byId = await client.get(`/Users/${id}?attributes=displayName`);
    expect(byId.body).toMatchObject({ id, displayName: "B", [HR]: { Badge: "B-1" } });
    expect(byId.body.userName).toBeUndefined();
    const listed = (await client.get(`/Users?filter=${q('userName eq "badged"')}&attributes=${HR}:Division`)).body.Resources[0];
    expect(listed[HR]).toEqual({ Division: "Ops", Badge: "B-1" });
    const excluded = await client.get(`/Users/${id}?excludedAttributes=${HR}:Badge,${HR}:Division`);
    expect(excluded.body[HR]).toEqual({ Badge: "B-1" });
    const schema = (await client.get(`/Schemas/${HR}`)).body.attributes.find((a: any) => a.name === "Badge");
    expect(schema.returned).toBe("always");
  });
});

describe("dateTime", () => {
  it("stores one canonical form, so a filter finds a value however either side spells the instant", async () => {
    const { client, name } = await createTenant("dt");
    await addExtension(name, HR, [{ name: "hired", type: "dateTime" }]);
    const created = await client.post("/Users", { userName: "hired_user", [HR]: { hired: "2024-01-01T00:00:00Z" } });
    expect(created.status).toBe(201);
    expect(created.body[HR].hired).toBe("2024-01-01T00:00:00.000Z");
    const ids = async (filter: string) => (await client.get(`/Users?filter=${q(filter)}`)).body.Resources.map((r: any) => r.id);
    for (const spelled of ["2024-01-01T00:00:00Z", "2024-01-01T00:00:00.000Z", "2024-01-01T01:00:00+01:00", "2024-01-01"]) {
      expect(await ids(`${HR}:hired eq "${spelled}"`), spelled).toEqual([created.body.id]);
    }
    expect(await ids(`${HR}:hired gt "2023-12-31T23:59:59.999-00:00"`)).toEqual([created.body.id]);
    expect(await ids(`${HR}:hired lt "2024-01-01T00:00:00+00:00"`)).toEqual([]);

    const offset = await client.put(`/Users/${created.body.id}`, { userName: "hired_user", [HR]: { hired: "2024-06-01T12:00:00+02:00" } });
    expect(offset.body[HR].hired).toBe("2024-06-01T10:00:00.000Z");
    const bad = await client.post("/Users", { userName: "bad_date", [HR]: { hired: "June 1st" } });
    expect(bad.status).toBe(400);
    expect(bad.body.scimType).toBe("invalidValue");
  });
});
