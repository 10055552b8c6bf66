import { env } from "cloudflare:test";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createTenant, entraUser, PATCH_OP, type ScimResponse } from "../helpers/scim-client.ts";

// Random and half-valid input through the real Worker: every answer is a well-formed SCIM response,
// never a 500, and a request that fails leaves the stored user exactly as it was.

const ERROR = "urn:ietf:params:scim:api:messages:2.0:Error";

function wellFormed(response: ScimResponse, allowed: number[]) {
  expect(allowed, JSON.stringify(response.body)).toContain(response.status);
  expect(response.headers.get("Content-Type") ?? "").toContain("application/scim+json");
  if (response.status >= 400) {
    expect(response.body).toMatchObject({ schemas: [ERROR], status: String(response.status) });
    expect(typeof response.body.detail).toBe("string");
  }
}

// Attribute names and paths a client might plausibly send, mixed with anything at all.
const name = fc.oneof(
  fc.constantFrom(
    "userName",
    "USERNAME",
    "name",
    "name.givenName",
    "emails",
    "active",
    "displayName",
    "manager",
    "roles",
    "groups",
    "id",
    "meta",
    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager",
    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User",
    "members",
    'emails[type eq "work"].value',
    'phoneNumbers[type eq "x"]',
    "x509Certificates",
    "password",
    "schemas",
  ),
  fc.string({ maxLength: 12 }),
);
const value = fc.oneof(fc.jsonValue({ maxDepth: 3 }), fc.constantFrom("True", "False", "", null, [], {}, [{ value: "x" }], { value: 1 }));
const body = fc.dictionary(name, value, { maxKeys: 6 });
const operation = fc.record(
  {
    op: fc.oneof(fc.constantFrom("add", "Replace", "remove", "REMOVE", "merge"), fc.jsonValue()),
    path: fc.option(name, { nil: undefined }),
    value,
  },
  { requiredKeys: [] },
);
const patchBody = fc.oneof(
  fc.record({ schemas: fc.constant([PATCH_OP]), Operations: fc.array(operation, { maxLength: 4 }) }),
  fc.jsonValue({ maxDepth: 3 }),
);

async function stored(tenant: string, id: string) {
  return env.DB.batch([
    env.DB.prepare("SELECT * FROM users WHERE tenant_id = ? AND id = ?").bind(tenant, id),
    env.DB.prepare("SELECT * FROM user_emails WHERE tenant_id = ? AND user_id = ? ORDER BY position").bind(tenant, id),
  ]).then((r) => r.map((x) => x.results));
}

describe("hostile and random input", () => {
  it("POST /Users: 201, 400 or 409, well formed", async () => {
    const { client } = await createTenant();
    await fc.assert(
      fc.asyncProperty(fc.oneof(body, fc.jsonValue({ maxDepth: 3 })), async (b) => {
        wellFormed(await client.post("/Users", b), [201, 400, 409]);
      }),
      { numRuns: 150 },
    );
  }, 120_000);

  it("PUT and PATCH that fail leave the stored user byte-for-byte unchanged", async () => {
    const { client, name: tenant } = await createTenant();
    const id = (await client.post("/Users", entraUser("fuzz_target", { emails: [{ type: "work", value: "f@x.com" }] }))).body.id;
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          patchBody.map((b) => ["PATCH", b] as const),
          body.map((b) => ["PUT", b] as const),
        ),
        async ([method, b]) => {
          const before = await stored(tenant, id);
          const response = await client.request(method, `/Users/${id}`, b);
          wellFormed(response, [200, 400, 409]);
          if (response.status !== 200) expect(await stored(tenant, id)).toEqual(before);
        },
      ),
      { numRuns: 200 },
    );
    expect((await client.get(`/Users/${id}`)).status).toBe(200);
  }, 120_000);

  it("GET /Users with random filters and query parameters: 200 or 400, never 500", async () => {
    const { client } = await createTenant();
    await client.post("/Users", entraUser("query_target"));
    const filterText = fc.oneof(
      fc.string({ maxLength: 40 }),
      fc
        .tuple(name, fc.constantFrom("eq", "ne", "co", "sw", "gt", "pr", "zz"), fc.jsonValue())
        .map(([n, o, v]) => `${n} ${o} ${JSON.stringify(v)}`),
    );
    const param = fc.oneof(fc.string({ maxLength: 10 }), fc.integer().map(String));
    await fc.assert(
      fc.asyncProperty(
        fc.record(
          {
            filter: filterText,
            startIndex: param,
            count: param,
            sortBy: name,
            sortOrder: param,
            attributes: name,
            excludedAttributes: name,
          },
          { requiredKeys: [] },
        ),
        async (params) => {
          const query = new URLSearchParams(params as Record<string, string>).toString();
          const response = await client.get(`/Users?${query}`);
          wellFormed(response, [200, 400]);
          if (response.status === 200) expect(response.body.schemas).toEqual(["urn:ietf:params:scim:api:messages:2.0:ListResponse"]);
        },
      ),
      { numRuns: 300 },
    );
  }, 120_000);
});
