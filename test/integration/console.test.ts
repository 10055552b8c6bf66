// The operator console (/console) at the HTTP level, as a browser uses it: sign-in with an admin key
// (cookie) or Cloudflare Access (JWT), tenant scoping, CSRF, the read views and the actions.

import { createExecutionContext, env } from "cloudflare:test";
import { exports } from "cloudflare:workers";
import { exportJWK, generateKeyPair, SignJWT } from "jose";
import { afterEach, describe, expect, it, vi } from "vitest";
import { createApp } from "../../src/app.ts";
import { consoleApp } from "../../src/console/app.tsx";
import { ALL_TENANTS } from "../../src/lib/admin-keys.ts";
import { createAdminKey, revokeAdminKeyById } from "../helpers/admin.ts";
import { consoleClient, csrfOf } from "../helpers/console.ts";
import { createClient } from "../helpers/oauth.ts";
import { awaitLogRows, seedLogRows } from "../helpers/request-log.ts";
import { createTenant, entraUser, scimClient } from "../helpers/scim-client.ts";

afterEach(() => vi.restoreAllMocks());

async function signedIn(scope: string = ALL_TENANTS, host = "localhost") {
  const { key } = await createAdminKey(scope);
  const browser = consoleClient(host);
  const response = await browser.signIn(key);
  expect(response.status).toBe(303);
  return { browser, key, response };
}

describe("sign-in with an admin key", () => {
  it("sends a browser without a session to the sign-in form", async () => {
    const page = await consoleClient().get("/tenants");
    expect(page.status).toBe(303);
    expect(page.headers.get("Location")).toBe("/console/sign-in");
    const form = await consoleClient().get("/sign-in");
    expect(form.html).toContain('<label for="key">Admin key</label>');
    expect(form.html).toContain('name="viewport"');
  });

  it("keeps the key in an HttpOnly, SameSite=Strict cookie on /console, Secure except on loopback", async () => {
    const { response } = await signedIn();
    const cookie = response.headers.get("Set-Cookie") ?? "";
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Strict/);
    expect(cookie).toMatch(/Path=\/console/);
    expect(cookie).not.toMatch(/Secure/);
    const deployed = await signedIn(ALL_TENANTS, "scim.example.com");
    expect(deployed.response.headers.get("Set-Cookie")).toMatch(/; Secure/);
  });

  it("refuses a wrong key, a SCIM token and a form from another origin", async () => {
    const tenant = await createTenant("con");
    for (const key of ["scimadm_not-a-key", tenant.token, ""]) {
      const page = await consoleClient().signIn(key);
      expect(page.status).toBe(401);
      expect(page.html).toContain("That is not a valid admin key.");
      expect(page.headers.get("Set-Cookie")).toBeNull();
    }
    const { key } = await createAdminKey();
    const crossSite = await consoleClient().post("/sign-in", { key }, { Origin: "https://evil.example" });
    expect(crossSite.status).toBe(403);
  });

  it("ends the session on sign-out, which needs the CSRF token", async () => {
    const { browser } = await signedIn();
    const page = await browser.get("/tenants");
    expect((await browser.post("/sign-out", {})).status).toBe(403);
    const out = await browser.post("/sign-out", { csrf: csrfOf(page.html) ?? "" });
    expect(out.status).toBe(303);
    expect(browser.cookie).toBe("scim_console=");
    expect((await browser.get("/tenants")).status).toBe(303);
  });

  it("ends every session of a key when the key is revoked", async () => {
    const { id, key } = await createAdminKey();
    const browser = consoleClient();
    await browser.signIn(key);
    expect((await browser.get("/tenants")).status).toBe(200);
    await revokeAdminKeyById(id);
    expect((await browser.get("/tenants")).status).toBe(303);
  });

  it("is not served on a tenant host", async () => {
    const tenant = await createTenant("con");
    expect((await consoleClient(`${tenant.name}.localhost`).get("/sign-in")).status).toBe(404);
  });
});

/** Every route the console declares, with its parameters filled in: a new route is in the door test without anyone adding it. */
function consoleRoutes(method: "GET" | "POST", tenant: string, userId: string) {
  const paths = [
    ...new Set(
      consoleApp()
        .routes.filter((r) => r.method === method && r.path !== "/" && r.path !== "/sign-in" && r.path !== "/*")
        .map((r) => r.path.replace(":tenant", tenant).replace(":id", userId)),
    ),
  ];
  expect(paths.filter((p) => p.includes(":"))).toEqual([]);
  return paths;
}

describe("the console's door", () => {
  it("refuses every route without a session, on a tenant host, and for another tenant's scoped key", async () => {
    const [a, b] = [await createTenant("con"), await createTenant("con")];
    const alice = await a.client.post("/Users", entraUser("alice@contoso.com"));
    const ofA = (await signedIn(a.name)).browser;
    const ofB = (await signedIn(b.name)).browser;
    const csrfOfB = csrfOf((await ofB.get(`/tenants/${b.name}`)).html) ?? "";
    const gets = consoleRoutes("GET", a.name, alice.body.id);
    const posts = consoleRoutes("POST", a.name, alice.body.id);
    expect(gets).toContain(`/tenants/${a.name}/users/${alice.body.id}`);
    expect(posts).toContain(`/tenants/${a.name}/actions/rotate-token`);

    for (const path of gets) {
      expect((await consoleClient().get(path)).status, path).toBe(303);
      expect((await consoleClient(`${a.name}.localhost`).get(path)).status, path).toBe(404);
      expect((await ofA.get(path)).status, path).toBe(200);
      if (path === "/tenants") continue;
      const hidden = await ofB.get(path);
      expect(hidden.status, path).toBe(404);
      // The same answer as for a tenant that does not exist: a scoped key learns nothing of others.
      const nobody = await ofB.get(path.replace(a.name, "nosuchtenant"));
      expect(hidden.html.replaceAll(a.name, "X")).toBe(nobody.html.replaceAll("nosuchtenant", "X"));
    }
    for (const path of posts) {
      expect((await consoleClient().post(path, { confirm: "yes" })).status, path).toBe(303);
      expect((await ofA.post(path, { confirm: "yes" })).status, path).toBe(403);
      if (path !== "/sign-out") expect((await ofB.post(path, { confirm: "yes", csrf: csrfOfB })).status, path).toBe(404);
    }
    expect((await a.client.get("/Users")).status).toBe(200);
  });

  it("sends a tenant-scoped key to its tenant and lists only that one", async () => {
    const [mine, other] = [await createTenant("con"), await createTenant("con")];
    const { browser, response } = await signedIn(mine.name);
    expect(response.headers.get("Location")).toBe(`/console/tenants/${mine.name}`);
    const list = await browser.get("/tenants");
    expect(list.html).toContain(mine.name);
    expect(list.html).not.toContain(other.name);
  });

  it("answers 404 on every page of a tenant that does not exist, for a key that sees all tenants", async () => {
    const { browser } = await signedIn();
    for (const path of consoleRoutes("GET", "nosuchtenant", "someuser").filter((p) => p !== "/tenants")) {
      const page = await browser.get(path);
      expect(page.status, path).toBe(404);
      expect(page.html, path).toContain("no tenant &quot;nosuchtenant&quot;");
    }
  });

  it("takes only url-encoded forms of at most 8 KB, before anyone signs in", async () => {
    const post = (body: BodyInit, type?: string) =>
      exports.default.fetch(
        new Request("http://localhost/console/sign-in", {
          method: "POST",
          headers: { Origin: "http://localhost", ...(type ? { "Content-Type": type } : {}) },
          body,
        }),
      );
    const malformed = await post("--x\r\nnot a part", "multipart/form-data; boundary=x");
    expect(malformed.status).toBe(415);
    expect(await malformed.text()).toContain("application/x-www-form-urlencoded");
    expect((await post("key=ak_x", "text/plain")).status).toBe(415);
    expect((await post(`key=${"a".repeat(8 * 1024)}`, "application/x-www-form-urlencoded")).status).toBe(413);
    expect((await post("key=%zz&%", "application/x-www-form-urlencoded; charset=utf-8")).status).toBe(401);
  });
});

describe("views", () => {
  it("lists tenants with their users, groups and auth methods", async () => {
    const tenant = await createTenant("con");
    await tenant.client.post("/Users", entraUser("alice@contoso.com"));
    await createClient(tenant.name);
    const { browser } = await signedIn();
    const page = await browser.get("/tenants");
    const row = new RegExp(`<a href="/console/tenants/${tenant.name}">${tenant.name}</a></th>(.*?)</tr>`).exec(page.html)?.[1] ?? "";
    expect(row).toContain("<td>1</td><td>0</td>");
    expect(row).toContain("Secret Token, OAuth client secrets (1)");
  });

  it("searches users with a SCIM filter through the filter compiler, and says what is wrong with a bad one", async () => {
    const tenant = await createTenant("con");
    await tenant.client.post("/Users", entraUser("alice@contoso.com"));
    await tenant.client.post("/Users", entraUser("bob@contoso.com"));
    const { browser } = await signedIn(tenant.name);
    const found = await browser.get(`/tenants/${tenant.name}/users?filter=${encodeURIComponent('userName eq "ALICE@contoso.com"')}`);
    expect(found.status).toBe(200);
    expect(found.html).toContain("alice@contoso.com");
    expect(found.html).not.toContain("bob@contoso.com");
    const bad = await browser.get(`/tenants/${tenant.name}/users?filter=${encodeURIComponent("userName eq")}`);
    expect(bad.status).toBe(400);
    expect(bad.html).toContain("This filter cannot be searched:");
    const unknown = await browser.get(`/tenants/${tenant.name}/groups?filter=${encodeURIComponent('nosuch eq "x"')}`);
    expect(unknown.status).toBe(400);
  });

  it("shows a user's SCIM JSON, its groups and its events", async () => {
    const tenant = await createTenant("con");
    const user = await tenant.client.post("/Users", entraUser("alice@contoso.com"));
    await tenant.client.post("/Groups", { displayName: "Sales", members: [{ value: user.body.id }] });
    const { browser } = await signedIn(tenant.name);
    const page = await browser.get(`/tenants/${tenant.name}/users/${user.body.id}`);
    expect(page.status).toBe(200);
    expect(page.html).toContain("&quot;userName&quot;: &quot;alice@contoso.com&quot;");
    expect(page.html).toContain(`http://${tenant.name}.localhost/scim/v2/Users/${user.body.id}`);
    expect(page.html).toMatch(/<li>Sales <span class="mono">/);
    expect(page.html).toContain("user.created");
    expect((await browser.get(`/tenants/${tenant.name}/users/nosuchuser`)).status).toBe(404);
  });

  it("shows the event feed, and reloads itself when live", async () => {
    const tenant = await createTenant("con");
    await tenant.client.post("/Users", entraUser("alice@contoso.com"));
    const { browser } = await signedIn(tenant.name);
    const page = await browser.get(`/tenants/${tenant.name}/events`);
    expect(page.html).toContain("user.created");
    expect(page.html).not.toContain('http-equiv="refresh"');
    expect((await browser.get(`/tenants/${tenant.name}/events?live=1`)).html).toContain('http-equiv="refresh"');
  });

  it("shows a failed request on the tenants list, the tenant's health, chart and failure groups, and its log", async () => {
    const tenant = await createTenant("con");
    const wrong = await scimClient({ host: `${tenant.name}.localhost`, token: "wrong" }).get("/Users");
    expect(wrong.status).toBe(401);
    await awaitLogRows(tenant.name, 1);
    const { browser } = await signedIn();
    const list = await browser.get("/tenants");
    const row = new RegExp(`<a href="/console/tenants/${tenant.name}">${tenant.name}</a></th>(.*?)</tr>`).exec(list.html)?.[1] ?? "";
    expect(row).toMatch(/<td><span class="badge at_risk"[^>]*>at risk.*?<\/td><td>1<\/td><td>100%<\/td><td><time datetime="20/);
    const overview = await browser.get(`/tenants/${tenant.name}`);
    expect(overview.html).toContain("1 requests, 1 failed (100%)");
    expect(overview.html).toContain("1 requests, 1 failed, over 168 hours");
    expect(overview.html).toContain("<strong>401 unauthorized</strong>: 1 request");
    const log = await browser.get(`/tenants/${tenant.name}/log?status=4xx`);
    expect(log.html).toMatch(/GET \/scim\/v2\/Users<\/td><td><span class="status failed">401<\/span>/);
    expect((await browser.get(`/tenants/${tenant.name}/log?status=5xx`)).html).toContain("No requests match.");
  });

  it("pages through the log with an Older requests link", async () => {
    const tenant = await createTenant("con");
    const start = Date.now() - 3_600_000;
    await seedLogRows(
      tenant.name,
      Array.from({ length: 51 }, (_, i) => ({ time: new Date(start + i * 1000), status: 200 })),
    );
    const { browser } = await signedIn(tenant.name);
    const first = await browser.get(`/tenants/${tenant.name}/log`);
    expect(first.html.match(/<tr id="req-/g)).toHaveLength(50);
    const older = /<a href="\/console(\/tenants\/[^"]+\/log\?cursor=[^"]+)">Older requests<\/a>/.exec(first.html)?.[1];
    expect(older).toBeDefined();
    const second = await browser.get((older ?? "").replaceAll("&amp;", "&"));
    expect(second.html.match(/<tr id="req-/g)).toHaveLength(1);
    expect(second.html).not.toContain("Older requests");
  });

  it("shows what Entra sent for a user and what we answered, with the bodies captured while capture was on", async () => {
    const tenant = await createTenant("con");
    const { browser } = await signedIn(tenant.name);
    const capture = `/tenants/${tenant.name}/actions/capture-bodies`;
    expect((await browser.submit(capture, capture, { for: "24h" })).status).toBe(200);
    const user = await tenant.client.post("/Users", entraUser("alice@contoso.com"));
    const bad = await tenant.client.patch(`/Users/${user.body.id}`, {
      schemas: ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
      Operations: [{ op: "explode", path: "active", value: false }],
    });
    expect(bad.status).toBe(400);
    await awaitLogRows(tenant.name, 2);
    const page = await browser.get(`/tenants/${tenant.name}/users/${user.body.id}`);
    expect(page.html).toContain("Requests that touched this user");
    expect(page.html).toMatch(/POST \/scim\/v2\/Users<\/td><td><span class="status ok">201/);
    expect(page.html).toMatch(new RegExp(`PATCH /scim/v2/Users/${user.body.id}</td><td><span class="status failed">400`));
    expect(page.html).toContain("<summary>Captured bodies</summary>");
    expect(page.html).toContain("explode");
  });

  it("checks the log filter's parameters", async () => {
    const tenant = await createTenant("con");
    const { browser } = await signedIn(tenant.name);
    expect((await browser.get(`/tenants/${tenant.name}/log?status=4xx&since=2026-11-01T00:00:00Z`)).status).toBe(200);
    expect((await browser.get(`/tenants/${tenant.name}/log?status=abc`)).status).toBe(400);
    expect((await browser.get(`/tenants/${tenant.name}/log?since=yesterday`)).status).toBe(400);
  });
});

describe("actions", () => {
  it("rotates the Secret Token after a confirm step: the new token works, the old one is refused", async () => {
    const tenant = await createTenant("con");
    const { browser } = await signedIn(tenant.name);
    const log = vi.spyOn(console, "log");
    const confirm = `/tenants/${tenant.name}/actions/rotate-token`;
    expect((await browser.get(confirm)).html).toContain("Rotate the token");
    const form = (await browser.get(confirm)).html;
    const done = await browser.submit(confirm, confirm);
    expect(done.status).toBe(200);
    const token = /<code class="secret"[^>]*>([^<]+)</.exec(done.html)?.[1];
    expect(token).toMatch(/^scim_/);
    expect((await tenant.client.get("/Users")).status).toBe(401);
    expect((await scimClient({ host: `${tenant.name}.localhost`, token }).get("/Users")).status).toBe(200);
    const lines = log.mock.calls.map(([line]) => String(line)).filter((line) => line.includes("console_action"));
    expect(lines.map((line) => JSON.parse(line))).toEqual([
      expect.objectContaining({ action: "rotate_token", tenant: tenant.name, operator: expect.stringMatching(/^ak_/) }),
    ]);
    expect(lines.join("")).not.toContain(token);
    // Refreshing the result page posts the same form again: its nonce named the replaced token, so nothing rotates.
    const nonce = /name="nonce" value="([^"]+)"/.exec(form)?.[1] ?? "";
    const again = await browser.post(confirm, { csrf: csrfOf(form) ?? "", confirm: "yes", nonce });
    expect(again.status).toBe(409);
    expect(again.html).toContain("already rotated");
    expect((await scimClient({ host: `${tenant.name}.localhost`, token }).get("/Users")).status).toBe(200);
  });

  it("refuses a POST without the CSRF token, with another session's token, or from another origin", async () => {
    const tenant = await createTenant("con");
    const { browser } = await signedIn(tenant.name);
    const other = (await signedIn(tenant.name)).browser;
    const action = `/tenants/${tenant.name}/actions/rotate-token`;
    const otherToken = csrfOf((await other.get(action)).html) ?? "";
    const ownToken = csrfOf((await browser.get(action)).html) ?? "";
    expect((await browser.post(action, { confirm: "yes" })).status).toBe(403);
    expect((await browser.post(action, { confirm: "yes", csrf: otherToken })).status).toBe(403);
    expect((await browser.post(action, { confirm: "yes", csrf: ownToken }, { Origin: "https://evil.example" })).status).toBe(403);
    expect((await browser.post(action, { csrf: ownToken })).status).toBe(400);
    expect((await tenant.client.get("/Users")).status).toBe(200);
  });

  it("revokes an OAuth client secret", async () => {
    const tenant = await createTenant("con");
    const client = await createClient(tenant.name);
    const { browser } = await signedIn(tenant.name);
    const overview = await browser.get(`/tenants/${tenant.name}`);
    expect(overview.html).toContain(client.secretId);
    const confirm = `/tenants/${tenant.name}/actions/revoke-secret?client=${encodeURIComponent(client.clientId)}&secret=${client.secretId}`;
    expect((await browser.get(confirm)).html).toContain("auth state refuses them within");
    const done = await browser.submit(confirm, `/tenants/${tenant.name}/actions/revoke-secret`, {
      client: client.clientId,
      secret: client.secretId,
    });
    expect(done.status).toBe(200);
    const row = await env.DB.prepare("SELECT revoked_at FROM oauth_client_secrets WHERE tenant_id = ? AND secret_id = ?")
      .bind(tenant.name, client.secretId)
      .first<{ revoked_at: string | null }>();
    expect(row?.revoked_at).not.toBeNull();
    const again = await browser.submit(confirm, `/tenants/${tenant.name}/actions/revoke-secret`, {
      client: client.clientId,
      secret: client.secretId,
    });
    expect(again.status).toBe(404);
  });
});

describe("body capture", () => {
  const captureUntil = async (tenant: string) =>
    (
      await env.DB.prepare("SELECT capture_bodies_until AS until FROM tenant_settings WHERE tenant_id = ?")
        .bind(tenant)
        .first<{ until: string | null }>()
    )?.until;

  it("turns on for the CLI's periods (30m, 24h, 7d), shows it in the settings, and turns off", async () => {
    const tenant = await createTenant("con");
    const { browser } = await signedIn(tenant.name);
    const page = `/tenants/${tenant.name}/actions/capture-bodies`;
    const form = (await browser.get(page)).html;
    expect(form).toContain("<legend>Capture for</legend>");
    expect([...form.matchAll(/name="for" value="([^"]+)"/g)].map((m) => m[1])).toEqual(["30m", "24h", "7d", "off"]);
    expect(form).toContain("Now: off.");
    expect((await browser.submit(page, page, { for: "30d" })).status).toBe(400);
    expect((await browser.submit(page, page, { for: "forever" })).status).toBe(400);
    expect(await captureUntil(tenant.name)).toBeUndefined();

    const before = Date.now();
    const on = await browser.submit(page, page, { for: "24h" });
    expect(on.status).toBe(200);
    const until = Date.parse((await captureUntil(tenant.name)) ?? "");
    expect(until - before).toBeGreaterThanOrEqual(24 * 3_600_000);
    expect(until - Date.now()).toBeLessThanOrEqual(24 * 3_600_000);
    expect(on.html).toContain(`captured until ${new Date(until).toISOString()}`);
    expect((await browser.get(`/tenants/${tenant.name}`)).html).toContain(`on until ${new Date(until).toISOString()}`);
    // The rest of the tenant's settings row keeps the defaults.
    expect((await tenant.client.post("/Users", entraUser("alice@contoso.com"))).status).toBe(201);

    expect((await browser.submit(page, page, { for: "off" })).status).toBe(200);
    expect(await captureUntil(tenant.name)).toBeNull();
    expect((await browser.get(page)).html).toContain("Now: off.");
  });
});

describe("sign-in through Cloudflare Access", async () => {
  const TEAM = "team.cloudflareaccess.com";
  const AUD = "aud-tag-0123";
  const { publicKey, privateKey } = await generateKeyPair("RS256");
  const jwk = { ...(await exportJWK(publicKey)), kid: "k1", alg: "RS256" };

  const jwt = (claims: { iss?: string; aud?: string; exp?: number }, key = privateKey) =>
    new SignJWT({ email: "ops@example.com" })
      .setProtectedHeader({ alg: "RS256", kid: "k1" })
      .setSubject("user-1")
      .setIssuer(claims.iss ?? `https://${TEAM}`)
      .setAudience(claims.aud ?? AUD)
      .setIssuedAt()
      .setExpirationTime(claims.exp ?? Math.floor(Date.now() / 1000) + 300)
      .sign(key);

  async function visit(path: string, assertion?: string) {
    const certs = vi.spyOn(globalThis, "fetch").mockImplementation(async () => Response.json({ keys: [jwk] }));
    const response = await createApp().fetch(
      new Request(`https://scim.example.com/console${path}`, { headers: assertion ? { "Cf-Access-Jwt-Assertion": assertion } : {} }),
      { ...env, ACCESS_TEAM_DOMAIN: TEAM, ACCESS_AUD: AUD },
      createExecutionContext(),
    );
    return { status: response.status, html: await response.text(), certs };
  }

  it("lets a valid assertion see every tenant, with the team's keys fetched from its certs URL", async () => {
    const tenant = await createTenant("con");
    const page = await visit("/tenants", await jwt({}));
    expect(page.status).toBe(200);
    expect(page.html).toContain(tenant.name);
    expect(page.html).toContain("Signed in as ops@example.com");
    expect(page.html).toContain('<a href="/cdn-cgi/access/logout">Sign out</a>');
    expect(page.certs.mock.calls.map(([url]) => String(url instanceof Request ? url.url : url))).toEqual([
      `https://${TEAM}/cdn-cgi/access/certs`,
    ]);
  });

  it("refuses no assertion, a wrong audience or issuer, an expired one, or one signed by another key", async () => {
    const other = await generateKeyPair("RS256");
    const cases = [
      undefined,
      await jwt({ aud: "someone-else" }),
      await jwt({ iss: "https://other.cloudflareaccess.com" }),
      await jwt({ exp: Math.floor(Date.now() / 1000) - 600 }),
      await jwt({}, other.privateKey),
    ];
    for (const assertion of cases) {
      const page = await visit("/tenants", assertion);
      expect(page.status).toBe(401);
      expect(page.html).not.toContain("Signed in as");
    }
  });

  it("has no admin-key sign-in form", async () => {
    expect((await visit("/sign-in")).status).toBe(303);
  });

  it("takes RS256 only, even from a key the team's key set holds", async () => {
    const ec = await generateKeyPair("ES256");
    const ecJwk = { ...(await exportJWK(ec.publicKey)), kid: "k2", alg: "ES256" };
    const team = "es.cloudflareaccess.com";
    vi.spyOn(globalThis, "fetch").mockImplementation(async () => Response.json({ keys: [jwk, ecJwk] }));
    const assertion = await new SignJWT({ email: "ops@example.com" })
      .setProtectedHeader({ alg: "ES256", kid: "k2" })
      .setSubject("user-1")
      .setIssuer(`https://${team}`)
      .setAudience(AUD)
      .setExpirationTime(Math.floor(Date.now() / 1000) + 300)
      .sign(ec.privateKey);
    const response = await createApp().fetch(
      new Request("https://scim.example.com/console/tenants", { headers: { "Cf-Access-Jwt-Assertion": assertion } }),
      { ...env, ACCESS_TEAM_DOMAIN: team, ACCESS_AUD: AUD },
      createExecutionContext(),
    );
    expect(response.status).toBe(401);
  });

  it("answers 503, not 401, when the team's keys cannot be fetched", async () => {
    for (const [team, certs] of [
      ["down.cloudflareaccess.com", () => Promise.reject(new TypeError("network connection lost"))],
      ["broken.cloudflareaccess.com", async () => new Response("upstream error", { status: 502 })],
    ] as const) {
      vi.spyOn(globalThis, "fetch").mockImplementation(certs);
      const error = vi.spyOn(console, "error").mockImplementation(() => {});
      const assertion = await new SignJWT({})
        .setProtectedHeader({ alg: "RS256", kid: "k1" })
        .setIssuer(`https://${team}`)
        .setAudience(AUD)
        .setExpirationTime(Math.floor(Date.now() / 1000) + 300)
        .sign(privateKey);
      const response = await createApp().fetch(
        new Request("https://scim.example.com/console/tenants", { headers: { "Cf-Access-Jwt-Assertion": assertion } }),
        { ...env, ACCESS_TEAM_DOMAIN: team, ACCESS_AUD: AUD },
        createExecutionContext(),
      );
      expect(response.status, team).toBe(503);
      expect(error.mock.calls.map(([line]) => String(line)).join("")).toContain("access_keys_unavailable");
      vi.restoreAllMocks();
    }
  });

  it("refuses to serve the console when only one of ACCESS_TEAM_DOMAIN and ACCESS_AUD is set, naming the missing one", async () => {
    const { key } = await createAdminKey(ALL_TENANTS);
    for (const [vars, missing] of [
      [{ ACCESS_TEAM_DOMAIN: TEAM, ACCESS_AUD: "" }, "ACCESS_AUD"],
      [{ ACCESS_TEAM_DOMAIN: undefined, ACCESS_AUD: AUD }, "ACCESS_TEAM_DOMAIN"],
    ] as const) {
      const error = vi.spyOn(console, "error").mockImplementation(() => {});
      const fetchConsole = (path: string, init: RequestInit = {}) =>
        createApp().fetch(new Request(`https://scim.example.com/console${path}`, init), { ...env, ...vars }, createExecutionContext());
      expect((await fetchConsole("/sign-in")).status).toBe(500);
      const signIn = await fetchConsole("/sign-in", {
        method: "POST",
        headers: { Origin: "https://scim.example.com", "Content-Type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({ key }).toString(),
      });
      expect(signIn.status).toBe(500);
      expect(signIn.headers.get("Set-Cookie")).toBeNull();
      expect((await fetchConsole("/tenants", { headers: { Cookie: `scim_console=${key}` } })).status).toBe(500);
      const lines = error.mock.calls.map(([line]) => String(line));
      expect(lines.length).toBeGreaterThan(0);
      for (const line of lines) expect(JSON.parse(line)).toMatchObject({ event: "console_misconfigured", missing });
      error.mockRestore();
    }
  });
});
