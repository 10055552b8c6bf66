import { env } from "cloudflare:test";
import { userStorage } from "../../src/db/users.ts";
import { queryPlan } from "../helpers/query-plan.ts";
import { describe, expect, it } from "vitest";
import { createTenant, ENTERPRISE, entraUser, q, USER_SCHEMA } from "../helpers/scim-client.ts";

const everyAttribute = {
  schemas: [USER_SCHEMA, ENTERPRISE],
  userName: "Full.Person@contoso.com",
  externalId: "ext-full",
  name: {
    formatted: "Ms. Barbara J Jensen III",
    familyName: "Jensen",
    givenName: "Barbara",
    middleName: "Jane",
    honorificPrefix: "Ms.",
    honorificSuffix: "III",
  },
  displayName: "Babs Jensen",
  nickName: "Babs",
  profileUrl: "https://login.example.com/bjensen",
  title: "Tour Guide",
  userType: "Employee",
  preferredLanguage: "en-US",
  locale: "en-US",
  timezone: "America/Los_Angeles",
  active: true,
  password: "t1meMa$heen",
  emails: [
    { value: "bjensen@example.com", type: "work", primary: true },
    { value: "babs@jensen.org", type: "home" },
  ],
  phoneNumbers: [{ value: "555-555-5555", type: "work" }],
  ims: [{ value: "someaimhandle", type: "aim" }],
  photos: [{ value: "https://photos.example.com/profilephoto/72930000000Ccne/F", type: "photo" }],
  addresses: [
    {
      type: "work",
      streetAddress: "100 Universal City Plaza",
      locality: "Hollywood",
      region: "CA",
      postalCode: "91608",
      country: "USA",
      formatted: "100 Universal City Plaza\nHollywood, CA 91608 USA",
      primary: true,
    },
  ],
  entitlements: [{ value: "Premium" }],
  roles: [{ value: "Admin", primary: true }],
  x509Certificates: [{ value: "MIIDQzCCAqygAwIBAgICEAAwDQYJKoZIhvcNAQEFBQAw" }],
  [ENTERPRISE]: {
    employeeNumber: "701984",
    costCenter: "4130",
    organization: "Universal Studios",
    division: "Theme Park",
    department: "Tour Operations",
    manager: { value: "26118915-6090-4610-87e4-49d8ca9f808d", $ref: "../Users/26118915", displayName: "John Smith" },
  },
};

describe("POST and GET /Users", () => {
  it("creates a user with every core and enterprise attribute and returns it with meta, Location and ETag", async () => {
    const { client, name } = await createTenant();
    const created = await client.post("/Users", everyAttribute);
    expect(created.status).toBe(201);
    const user = created.body;
    expect(user.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(created.headers.get("Location")).toBe(`http://${name}.localhost/scim/v2/Users/${user.id}`);
    expect(created.headers.get("ETag")).toBe(user.meta.version);
    expect(created.headers.get("Content-Type")).toContain("application/scim+json");
    expect(user.meta).toMatchObject({ resourceType: "User", location: created.headers.get("Location") });
    expect(Date.parse(user.meta.created)).not.toBeNaN();
    expect(user.meta.lastModified).toBe(user.meta.created);
    expect(user.schemas).toEqual([USER_SCHEMA, ENTERPRISE]);

    const { password, schemas, [ENTERPRISE]: enterprise, ...core } = everyAttribute;
    const { displayName: _readOnly, ...writableManager } = enterprise.manager;
    expect(user).toMatchObject(core);
    expect(user[ENTERPRISE]).toEqual({ ...enterprise, manager: writableManager });
    expect(user.password).toBeUndefined();

    const fetched = await client.get(`/Users/${user.id}`);
    expect(fetched.status).toBe(200);
    expect(fetched.body).toEqual(user);
    expect(fetched.headers.get("ETag")).toBe(user.meta.version);
  });

  it("never stores a password in clear nor returns it", async () => {
    const { client, name } = await createTenant();
    const user = (await client.post("/Users", entraUser("pw_user", { password: "Secret-123" }))).body;
    const row = await env.DB.prepare("SELECT data, password_hash FROM users WHERE tenant_id = ? AND id = ?")
      .bind(name, user.id)
      .first<{ data: string; password_hash: string }>();
    expect(row?.data).not.toContain("Secret-123");
    expect(row?.password_hash).toMatch(/^pbkdf2-sha256\$100000\$/);
    expect(JSON.stringify(user)).not.toContain("Secret-123");
  });

  it('accepts Entra\'s loose JSON: nulls, "True", unknown schema URNs, application/json, a bare manager id', async () => {
    const { client } = await createTenant();
    const created = await client.post(
      "/Users",
      {
        ...entraUser("Loose_User"),
        active: "True",
        title: null,
        nickName: "",
        schemas: [USER_SCHEMA, "urn:ietf:params:scim:schemas:extension:nothing:2.0:User"],
        "urn:ietf:params:scim:schemas:extension:nothing:2.0:User": { foo: "bar" },
        [ENTERPRISE]: { manager: "mgr-1", department: null },
        Unknown: "ignored",
      },
      { "Content-Type": "application/json; charset=utf-8" },
    );
    expect(created.status).toBe(201);
    expect(created.body.active).toBe(true);
    expect(created.body.title).toBeUndefined();
    expect(created.body.nickName).toBeUndefined();
    expect(created.body.Unknown).toBeUndefined();
    expect(created.body[ENTERPRISE]).toEqual({ manager: { value: "mgr-1" } });
    expect(created.body["urn:ietf:params:scim:schemas:extension:nothing:2.0:User"]).toBeUndefined();
  });

  it("accepts attribute names in any case and returns them canonical", async () => {
    const { client } = await createTenant();
    const created = await client.post("/Users", {
      USERNAME: "case_user",
      Name: { GivenName: "Ann" },
      Emails: [{ Value: "ann@x.com", TYPE: "work" }],
      "urn:ietf:params:scim:schemas:extension:enterprise:2.0:user": { Department: "R&D" },
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      userName: "case_user",
      name: { givenName: "Ann" },
      emails: [{ value: "ann@x.com", type: "work" }],
      [ENTERPRISE]: { department: "R&D" },
    });
  });

  it("refuses a userName taken in the same tenant, case-insensitively, with 409 uniqueness", async () => {
    const { client } = await createTenant();
    expect((await client.post("/Users", entraUser("Dup@contoso.com"))).status).toBe(201);
    const dup = await client.post("/Users", entraUser("dup@CONTOSO.com"));
    expect(dup.status).toBe(409);
    expect(dup.body).toMatchObject({ status: "409", scimType: "uniqueness" });
  });

  it("answers 404 with a SCIM error for an unknown id", async () => {
    const { client } = await createTenant();
    const missing = await client.get("/Users/does-not-exist");
    expect(missing.status).toBe(404);
    expect(missing.body).toMatchObject({ schemas: ["urn:ietf:params:scim:api:messages:2.0:Error"], status: "404" });
  });

  it("honours attributes and excludedAttributes", async () => {
    const { client } = await createTenant();
    const user = (await client.post("/Users", everyAttribute)).body;
    const only = (await client.get(`/Users/${user.id}?attributes=userName,name.givenName,${ENTERPRISE}:department`)).body;
    expect(only).toEqual({
      schemas: user.schemas,
      id: user.id,
      userName: user.userName,
      name: { givenName: "Barbara" },
      [ENTERPRISE]: { department: "Tour Operations" },
    });
    const without = (await client.get(`/Users/${user.id}?excludedAttributes=emails,name.familyName`)).body;
    expect(without.emails).toBeUndefined();
    expect(without.name.familyName).toBeUndefined();
    expect(without.name.givenName).toBe("Barbara");
    expect(without.id).toBe(user.id);
  });
});

describe("GET /Users with filters and paging", () => {
  async function seeded() {
    const tenant = await createTenant();
    const ids: Record<string, string> = {};
    for (const [userName, extra] of [
      ["Alice@Contoso.com", { displayName: "Alice A", externalId: "ext-alice" }],
      ["bob@contoso.com", { displayName: "Bob B", externalId: "ext-bob", emails: [{ type: "home", value: "bob@home.org" }] }],
      ["carol@fabrikam.com", { displayName: "Carol C", externalId: "EXT-CAROL" }],
    ] as const) {
      const body = entraUser(userName, { ...extra });
      ids[userName] = (await tenant.client.post("/Users", body)).body.id;
    }
    return { ...tenant, ids };
  }

  const names = (body: any) => body.Resources.map((r: any) => r.userName).sort();

  it("matches on userName case-insensitively, externalId exactly, id and displayName", async () => {
    const { client, ids } = await seeded();
    expect(names((await client.get(`/Users?filter=${q('userName eq "ALICE@contoso.COM"')}`)).body)).toEqual(["Alice@Contoso.com"]);
    expect(names((await client.get(`/Users?filter=${q('externalId eq "EXT-CAROL"')}`)).body)).toEqual(["carol@fabrikam.com"]);
    expect((await client.get(`/Users?filter=${q('externalId eq "ext-carol"')}`)).body.totalResults).toBe(0);
    expect(names((await client.get(`/Users?filter=${q(`id eq "${ids["bob@contoso.com"]}"`)}`)).body)).toEqual(["bob@contoso.com"]);
    expect(names((await client.get(`/Users?filter=${q('displayName eq "bob b"')}`)).body)).toEqual(["bob@contoso.com"]);
  });

  it('matches on emails[type eq "work"].value and emails.value', async () => {
    const { client } = await seeded();
    const work = await client.get(`/Users?filter=${q('emails[type eq "work"].value eq "ALICE@contoso.com@testuser.com"')}`);
    expect(names(work.body)).toEqual(["Alice@Contoso.com"]);
    expect((await client.get(`/Users?filter=${q('emails[type eq "work"].value eq "bob@home.org"')}`)).body.totalResults).toBe(0);
    expect(names((await client.get(`/Users?filter=${q('emails.value eq "bob@home.org"')}`)).body)).toEqual(["bob@contoso.com"]);
  });

  it("keeps the email index in step with the stored emails whoever writes the row (SQL triggers)", async () => {
    const { client, name } = await createTenant();
    const now = new Date().toISOString();
    const data = { userName: "imported", emails: [{ value: "imp@x.org", type: "work", primary: true }, { type: "home" }] };
    // An operator's import straight into D1, bypassing the service.
    await env.DB.prepare(
      "INSERT INTO users (tenant_id, id, user_name, data, created, last_modified, version) VALUES (?, 'imp', 'imported', ?, ?, ?, 1)",
    )
      .bind(name, JSON.stringify(data), now, now)
      .run();
    expect(names((await client.get(`/Users?filter=${q('emails[type eq "work"].value eq "IMP@x.org"')}`)).body)).toEqual(["imported"]);
    expect(names((await client.get(`/Users?filter=${q('emails[type eq "home"]')}`)).body)).toEqual(["imported"]);

    const rows = () =>
      env.DB.prepare("SELECT position, value, type, is_primary FROM user_emails WHERE tenant_id = ? AND user_id = 'imp' ORDER BY position")
        .bind(name)
        .all();
    expect((await rows()).results).toEqual([
      { position: 0, value: "imp@x.org", type: "work", is_primary: 1 },
      { position: 1, value: null, type: "home", is_primary: null },
    ]);
    await client.patch("/Users/imp", {
      schemas: ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
      Operations: [{ op: "replace", path: "emails", value: [{ value: "new@x.org", type: "other" }] }],
    });
    expect((await rows()).results).toEqual([{ position: 0, value: "new@x.org", type: "other", is_primary: null }]);
    expect((await client.get(`/Users?filter=${q('emails.value eq "imp@x.org"')}`)).body.totalResults).toBe(0);
    await client.delete("/Users/imp");
    expect((await rows()).results).toEqual([]);
  });

  it("combines with and / or, and the spelling of operators doesn't matter", async () => {
    const { client } = await seeded();
    const or = await client.get(`/Users?filter=${q('userName eq "bob@contoso.com" OR externalId Eq "EXT-CAROL"')}`);
    expect(names(or.body)).toEqual(["bob@contoso.com", "carol@fabrikam.com"]);
    const and = await client.get(`/Users?filter=${q('userName eq "bob@contoso.com" and displayName eq "Carol C"')}`);
    expect(and.body.totalResults).toBe(0);
    const both = await client.get(`/Users?filter=${q('userName eq "bob@contoso.com" and emails.value eq "bob@home.org"')}`);
    expect(names(both.body)).toEqual(["bob@contoso.com"]);
  });

  it("answers 400 invalidFilter for bad syntax and unknown attributes, never 500", async () => {
    const { client } = await seeded();
    for (const bad of [
      "userName eq",
      'userName eq "unterminated',
      'nosuch eq "x"',
      'userName zz "x"',
      '(userName eq "x"',
      'userName eq "x" junk',
      "active gt true",
    ]) {
      const response = await client.get(`/Users?filter=${q(bad)}`);
      expect(response.status, bad).toBe(400);
      expect(response.body, bad).toMatchObject({ status: "400", scimType: "invalidFilter" });
      expect(response.body.detail, bad).toBeTruthy();
    }
  });

  it("pages with a 1-based startIndex, in a stable order with no overlap", async () => {
    const { client } = await createTenant();
    for (let i = 0; i < 12; i++) await client.post("/Users", entraUser(`page_user_${i}`));
    const seen: string[] = [];
    for (let start = 1; start <= 12; start += 5) {
      const page = (await client.get(`/Users?startIndex=${start}&count=5`)).body;
      expect(page.startIndex).toBe(start);
      expect(page.totalResults).toBe(12);
      expect(page.itemsPerPage).toBe(page.Resources.length);
      seen.push(...page.Resources.map((r: any) => r.id));
    }
    expect(seen).toHaveLength(12);
    expect(new Set(seen).size).toBe(12);
    const countOnly = (await client.get("/Users?count=0")).body;
    expect(countOnly).toMatchObject({ totalResults: 12, itemsPerPage: 0, Resources: [] });
    const beyond = (await client.get("/Users?startIndex=50")).body;
    expect(beyond).toMatchObject({ totalResults: 12, startIndex: 50, Resources: [] });
    expect((await client.get("/Users?startIndex=0&count=1")).body.startIndex).toBe(1);
    expect((await client.get("/Users?count=abc")).status).toBe(400);
  });

  it("serves Microsoft's validator page walk: startIndex=1&count=1", async () => {
    const { client } = await seeded();
    const page = (await client.get("/Users?startIndex=1&count=1")).body;
    expect(page).toMatchObject({ totalResults: 3, startIndex: 1, itemsPerPage: 1 });
  });

  it("runs each matching filter on an index (EXPLAIN QUERY PLAN of the compiled SQL)", async () => {
    const plan = (filter: string) => queryPlan("users", userStorage("t1"), filter);
    expect(await plan('userName eq "x"')).toMatch(/USING INDEX users_tenant_user_name/);
    expect(await plan('externalId eq "x"')).toMatch(/USING INDEX users_tenant_external_id/);
    expect(await plan('displayName eq "x"')).toMatch(/USING INDEX users_tenant_display_name/);
    expect(await plan('id eq "x"')).toMatch(/USING INDEX sqlite_autoindex_users_1 \(tenant_id=\? AND id=\?\)/);
    expect(await plan('emails.value eq "x"')).toMatch(/SEARCH user_emails USING INDEX user_emails_tenant_value/);
    expect(await plan('emails[type eq "work"].value eq "x"')).toMatch(/SEARCH user_emails USING INDEX user_emails_tenant_value/);
    expect(await plan('userName eq "x" or externalId eq "y"')).not.toMatch(/SCAN users/);
    // An or-chain of eq reads one JSON array and still looks each value up in the index.
    expect(await plan('userName eq "x" or userName eq "y"')).toMatch(
      /SEARCH users USING INDEX users_tenant_user_name \(tenant_id=\? AND <expr>=\?\)/,
    );
    expect(await plan('externalId eq "x" or externalId eq "y"')).toMatch(
      /USING INDEX users_tenant_external_id \(tenant_id=\? AND external_id=\?\)/,
    );
    expect(await plan('id eq "x" or id eq "y"')).toMatch(/USING INDEX sqlite_autoindex_users_1 \(tenant_id=\? AND id=\?\)/);
    expect(await plan('emails.value eq "x" or emails.value eq "y"')).toMatch(
      /SEARCH user_emails USING INDEX user_emails_tenant_value \(tenant_id=\? AND <expr>=\?\)/,
    );
  });
});
