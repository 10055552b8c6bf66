import { describe, expect, it } from "vitest";
import { addExtension, createTenant, PATCH_OP, q } from "../helpers/scim-client.ts";

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
