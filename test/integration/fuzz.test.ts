import { env } from "cloudflare:test";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createTenant, entraUser, PATCH_OP, type ScimResponse } from "../helpers/scim-client.ts";

// Random and half-valid input through the real Worker: every answer is a well-formed SCIM response,
// never a 500, and a request that fails leaves the stored user exactly as it was.

const ERROR = "urn:ietf:params:scim:api:messages:2.0:Error";

function wellFormed(response: ScimResponse, allowed: number[]) {
  expect(allowed, JSON.stringify(response.body)).toContain(response.status);
  if (response.status !== 204) expect(response.headers.get("Content-Type") ?? "").toContain("application/scim+json");
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

describe("hostile shapes that reach storage's limits (issue 18): never a 5xx while storage is healthy", () => {
  const ops = ["eq", "ne", "co", "sw", "ew", "gt", "ge", "lt", "le"];
  // Numbers no column can hold, written every way a client might.
  const hugeNumber = fc.oneof(
    fc.integer({ min: 15, max: 400 }).map((n) => "9".repeat(n)),
    fc.integer({ min: 15, max: 400 }).map((n) => `-${"9".repeat(n)}`),
    fc.constantFrom("1e400", "-1e400", "1e-400", "9007199254740993", "0", "-0", "00000000000000000001"),
    fc.bigInt({ min: -(2n ** 128n), max: 2n ** 128n }).map(String),
  );
  const literal = fc.oneof(
    fc.string({ maxLength: 6 }).map((v) => JSON.stringify(v)),
    hugeNumber,
    fc.constantFrom("true", "false", "null"),
  );
  const clause = (attributes: string[]) =>
    fc.oneof(
      fc.tuple(fc.constantFrom(...attributes), fc.constantFrom(...ops), literal).map(([a, o, v]) => `${a} ${o} ${v}`),
      fc.constantFrom(...attributes).map((a) => `${a} pr`),
    );
  // Long chains of one logic (or mixed), clauses drawn from one attribute or many.
  const chain = (attributes: string[]) =>
    fc
      .tuple(
        fc.oneof(
          clause(attributes).map((c) => [c]),
          fc.array(clause(attributes), { minLength: 1, maxLength: 8 }),
        ),
        fc.integer({ min: 1, max: 320 }),
        fc.constantFrom(" or ", " and ", " OR "),
      )
      .map(([clauses, length, logic]) => Array.from({ length }, (_, i) => clauses[i % clauses.length]).join(logic));
  const nest = (inner: fc.Arbitrary<string>) =>
    fc
      .tuple(inner, fc.integer({ min: 0, max: 34 }), fc.constantFrom("not (", "(", "not (title pr and "))
      .map(([text, depth, open]) => open.repeat(depth) + text + ")".repeat(depth));
  const userAttributes = [
    "userName",
    "displayName",
    "externalId",
    "id",
    "nickName",
    "emails.value",
    "emails",
    "groups",
    "meta.created",
    "active",
  ];
  const userFilter = fc.oneof(
    nest(chain(userAttributes)),
    nest(chain(["value", "type", "primary"]).map((c) => `emails[${c}]`)),
    nest(chain(["value", "type"]).map((c) => `phoneNumbers[${c}]`)),
    fc
      .array(
        chain(["value"]).map((c) => `emails[${c}]`),
        { minLength: 1, maxLength: 60 },
      )
      .map((parts) => parts.join(" or ")),
  );
  const memberFilter = nest(chain(["value", "type", "display"]));
  const paging = fc.record(
    { startIndex: fc.oneof(hugeNumber, fc.constant("1")), count: fc.oneof(hugeNumber, fc.constant("5")) },
    { requiredKeys: [] },
  );

  it("GET /Users and /Groups with long chains, deep nesting and huge paging numbers", async () => {
    const { client } = await createTenant();
    await client.post("/Users", entraUser("chain_target"));
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom("/Users", "/Groups"),
        fc.option(userFilter, { nil: undefined }),
        paging,
        async (path, filter, page) => {
          const query = new URLSearchParams({ ...(filter ? { filter } : {}), ...page } as Record<string, string>).toString();
          wellFormed(await client.get(`${path}?${query}`), [200, 400]);
        },
      ),
      { numRuns: 150 },
    );
  }, 120_000);

  it("POST .search with such filters and huge numbers, as numbers or strings", async () => {
    const { client } = await createTenant();
    const number = fc.oneof(hugeNumber, hugeNumber.map(Number), fc.double());
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom("/.search", "/Users/.search", "/Groups/.search"),
        fc.record({ filter: userFilter, startIndex: number, count: number }, { requiredKeys: [] }),
        async (path, body) => {
          wellFormed(await client.post(path, { schemas: ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"], ...body }), [200, 400]);
        },
      ),
      { numRuns: 100 },
    );
  }, 120_000);

  it("PATCH paths with long chains in brackets, alone and inside Bulk", async () => {
    const { client } = await createTenant();
    const user = (await client.post("/Users", entraUser("patch_target"))).body.id;
    const member = (await client.post("/Users", entraUser("member_target"))).body.id;
    const group = (
      await client.post("/Groups", {
        schemas: ["urn:ietf:params:scim:schemas:core:2.0:Group"],
        displayName: "G",
        members: [{ value: member }],
      })
    ).body.id;
    const op = fc.oneof(
      memberFilter.map((f) => ({ path: `/Groups/${group}`, body: { op: "remove", path: `members[${f}]` } })),
      userFilter
        .filter((f) => !f.includes("["))
        .map((f) => ({ path: `/Users/${user}`, body: { op: "replace", path: `emails[${f.replaceAll("emails.", "")}].type`, value: "x" } })),
      chain(["value", "type"]).map((f) => ({ path: `/Users/${user}`, body: { op: "remove", path: `emails[${f}]` } })),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 3 }), fc.boolean(), async (patches, bulk) => {
        if (!bulk) {
          for (const { path, body } of patches) {
            wellFormed(await client.patch(path, { schemas: [PATCH_OP], Operations: [body] }), [200, 204, 400]);
          }
          return;
        }
        const response = await client.post("/Bulk", {
          schemas: ["urn:ietf:params:scim:api:messages:2.0:BulkRequest"],
          Operations: patches.map(({ path, body }) => ({ method: "PATCH", path, data: { schemas: [PATCH_OP], Operations: [body] } })),
        });
        wellFormed(response, [200]);
        for (const result of response.body.Operations) expect(Number(result.status), JSON.stringify(result)).toBeLessThan(500);
      }),
      { numRuns: 100 },
    );
  }, 120_000);
});
