import { describe, expect, it } from "vitest";
import { createTenant, ENTERPRISE, USER_SCHEMA } from "../helpers/scim-client.ts";

describe("discovery", () => {
  it("describes what is implemented in /ServiceProviderConfig", async () => {
    const { client, name } = await createTenant();
    const { status, body } = await client.get("/ServiceProviderConfig");
    expect(status).toBe(200);
    expect(body.schemas[0]).toBe("urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig");
    expect(body.patch).toEqual({ supported: true });
    expect(body.filter).toEqual({ supported: true, maxResults: 200 });
    expect(body.bulk.maxPayloadSize).toBe(1_048_576);
    expect(body.pagination).toMatchObject({ index: true, defaultPageSize: 100, maxPageSize: 200 });
    expect(body.authenticationSchemes[0].type).toBe("oauthbearertoken");
    expect(body.meta.location).toBe(`http://${name}.localhost/scim/v2/ServiceProviderConfig`);
  });

  it("lists the User resource type with the enterprise extension", async () => {
    const { client } = await createTenant();
    const list = await client.get("/ResourceTypes");
    expect(list.body.totalResults).toBe(list.body.Resources.length);
    const user = (await client.get("/ResourceTypes/User")).body;
    expect(user).toMatchObject({
      id: "User",
      endpoint: "/Users",
      schema: USER_SCHEMA,
      schemaExtensions: [{ schema: ENTERPRISE, required: false }],
    });
    expect((await client.get("/ResourceTypes/Nope")).status).toBe(404);
  });

  it("publishes every User and enterprise attribute in /Schemas, from the definitions that validate", async () => {
    const { client } = await createTenant();
    const schemas = (await client.get("/Schemas")).body.Resources as any[];
    const user = schemas.find((s) => s.id === USER_SCHEMA);
    const names = user.attributes.map((a: any) => a.name);
    for (const expected of [
      "id",
      "externalId",
      "userName",
      "name",
      "displayName",
      "nickName",
      "profileUrl",
      "title",
      "userType",
      "preferredLanguage",
      "locale",
      "timezone",
      "active",
      "password",
      "emails",
      "phoneNumbers",
      "ims",
      "photos",
      "addresses",
      "groups",
      "entitlements",
      "roles",
      "x509Certificates",
    ]) {
      expect(names).toContain(expected);
    }
    const userName = user.attributes.find((a: any) => a.name === "userName");
    expect(userName).toMatchObject({ type: "string", required: true, caseExact: false, uniqueness: "server" });
    const password = user.attributes.find((a: any) => a.name === "password");
    expect(password).toMatchObject({ mutability: "writeOnly", returned: "never" });

    const enterprise = (await client.get(`/Schemas/${ENTERPRISE}`)).body;
    expect(enterprise.attributes.map((a: any) => a.name)).toEqual([
      "employeeNumber",
      "costCenter",
      "organization",
      "division",
      "department",
      "manager",
    ]);
    expect((await client.get("/Schemas/urn:nope")).status).toBe(404);
  });
});
