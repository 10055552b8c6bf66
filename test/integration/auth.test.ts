import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { sha256Hex } from "../../src/lib/crypto.ts";
import { tokenKey } from "../../src/lib/token-store.ts";
import { createTenant, entraUser, q, scimClient } from "../helpers/scim-client.ts";

const ERROR = "urn:ietf:params:scim:api:messages:2.0:Error";

function expectUnauthorized(response: { status: number; headers: Headers; body: any }) {
  expect(response.status).toBe(401);
  expect(response.headers.get("WWW-Authenticate")).toMatch(/^Bearer/);
  expect(response.headers.get("Content-Type")).toContain("application/scim+json");
  expect(response.body).toMatchObject({ schemas: [ERROR], status: "401" });
}

describe("Test Connection and tokens", () => {
  it("answers Entra's Test Connection probe with an empty ListResponse", async () => {
    const { client } = await createTenant();
    const response = await client.get(`/Users?filter=${q(`userName eq "${crypto.randomUUID()}"`)}`);
    expect(response.status).toBe(200);
    expect(response.headers.get("Content-Type")).toContain("application/scim+json");
    expect(response.body).toEqual({
      schemas: ["urn:ietf:params:scim:api:messages:2.0:ListResponse"],
      totalResults: 0,
      startIndex: 1,
      itemsPerPage: 0,
      Resources: [],
    });
  });

  it("serves /scim as well as /scim/v2, and ignores unknown query parameters such as Entra's flag", async () => {
    const { name, token } = await createTenant();
    const short = scimClient({ host: `${name}.localhost`, token, prefix: "/scim" });
    expect((await short.get("/Users?aadOptscim062020")).status).toBe(200);
    const created = await short.post("/Users", entraUser("Short_Path"));
    expect(created.body.meta.location).toBe(`http://${name}.localhost/scim/Users/${created.body.id}`);
  });

  it("refuses missing, malformed, unknown and revoked tokens alike", async () => {
    const { name, token } = await createTenant();
    const host = `${name}.localhost`;
    expectUnauthorized(await scimClient({ host }).get("/Users"));
    expectUnauthorized(await scimClient({ host, token: "not a token!" }).get("/Users"));
    expectUnauthorized(await scimClient({ host, token: "scim_unknown" }).get("/Users"));
    const basic = await scimClient({ host }).get("/Users", { Authorization: `Basic ${btoa("a:b")}` });
    expectUnauthorized(basic);

    await env.TOKENS.delete(tokenKey(await sha256Hex(token)));
    expectUnauthorized(await scimClient({ host, token }).get("/Users"));
  });

  it("binds a token to exactly one tenant, and hides whether a tenant host exists", async () => {
    const a = await createTenant();
    const b = await createTenant();
    expectUnauthorized(await scimClient({ host: `${b.name}.localhost`, token: a.token }).get("/Users"));
    const nobody = await scimClient({ host: "nosuchtenant.localhost", token: a.token }).get("/Users");
    const badToken = await scimClient({ host: `${a.name}.localhost`, token: "scim_wrong" }).get("/Users");
    expectUnauthorized(nobody);
    expect(nobody.body).toEqual(badToken.body);
  });

  it("lets the token alone pick the tenant on the single-host form", async () => {
    const a = await createTenant();
    const b = await createTenant();
    await a.client.post("/Users", entraUser("Only_In_A"));
    const apexA = scimClient({ host: "127.0.0.1:8787", token: a.token });
    const apexB = scimClient({ host: "127.0.0.1:8787", token: b.token });
    const inA = await apexA.get(`/Users?filter=${q('userName eq "only_in_a"')}`);
    expect(inA.body.totalResults).toBe(1);
    expect(inA.body.Resources[0].meta.location).toMatch(/^http:\/\/127\.0\.0\.1:8787\/scim\/v2\/Users\//);
    expect((await apexB.get(`/Users?filter=${q('userName eq "only_in_a"')}`)).body.totalResults).toBe(0);
  });

  it("keeps one tenant's users out of another's reach", async () => {
    const a = await createTenant();
    const b = await createTenant();
    const user = (await a.client.post("/Users", entraUser("Private_User"))).body;
    expect((await b.client.get(`/Users/${user.id}`)).status).toBe(404);
    expect(
      (
        await b.client.patch(`/Users/${user.id}`, {
          schemas: ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
          Operations: [{ op: "replace", path: "active", value: false }],
        })
      ).status,
    ).toBe(404);
    expect((await b.client.put(`/Users/${user.id}`, entraUser("Hijack"))).status).toBe(404);
    expect((await b.client.delete(`/Users/${user.id}`)).status).toBe(404);
    expect((await b.client.get(`/Users?filter=${q(`id eq "${user.id}"`)}`)).body.totalResults).toBe(0);
    expect((await b.client.get("/Users")).body.totalResults).toBe(0);
    // The same userName is free in another tenant.
    expect((await b.client.post("/Users", entraUser("Private_User"))).status).toBe(201);
    const still = await a.client.get(`/Users/${user.id}`);
    expect(still.body.active).toBe(true);
  });
});
