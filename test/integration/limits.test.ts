import { describe, expect, it } from "vitest";
import { createTenant, entraUser, PATCH_OP, q } from "../helpers/scim-client.ts";
import { seedMembers } from "../helpers/seed.ts";

const LIMITS = "urn:scim-edge:params:scim:schemas:extension:limits:1.0:ServiceProviderConfig";
const GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group";

describe("request limits: bounded, advertised, answered with a clear 4xx", () => {
  it("advertises every bound in /ServiceProviderConfig", async () => {
    const { client } = await createTenant();
    const spc = (await client.get("/ServiceProviderConfig")).body;
    expect(spc.schemas).toContain(LIMITS);
    expect(spc[LIMITS]).toEqual({
      maxPayloadSize: 1_048_576,
      maxFilterLength: 4096,
      maxFilterDepth: 32,
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
});
