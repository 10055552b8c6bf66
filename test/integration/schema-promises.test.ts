import { describe, expect, it } from "vitest";
import { addExtension, createTenant, q } from "../helpers/scim-client.ts";

// What /Schemas declares about a tenant's extension attributes, the server does (issue 13):
// each characteristic is checked through HTTP, the way Entra or any RFC 7643 client relies on it.

const HR = "urn:scim:hr:User";

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
