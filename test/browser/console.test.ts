// The console in a real browser (headless Debian chromium, driven by playwright-core) against the
// Worker as deployed, served by Miniflare on fresh local state: the paths an operator takes, the
// refusals, and a screenshot of each view for README (docs/console/).

import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Browser, type BrowserContext, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { insertAdminKey } from "../../src/cli/admin-key/sql.ts";
import { PROJECT_ROOT, runWrangler } from "../../src/cli/wrangler.ts";
import { ALL_TENANTS, newAdminKey, newAdminKeyId } from "../../src/lib/admin-keys.ts";
import { generateToken, sha256Hex } from "../../src/lib/crypto.ts";
import { tokenKey } from "../../src/lib/token-store.ts";
import { type ServedWorker, serveWorker } from "../harness/serve-worker.ts";
import { renderBusyTenantPage } from "./fixture-pages.ts";

const SHOTS = join(PROJECT_ROOT, "docs", "console");
const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--no-first-run",
];

let dir: string;
let worker: ServedWorker;
let browser: Browser;
const keys = { all: "", contoso: "" };
const tokens = { contoso: "" };
let aliceId = "";

async function seedTenant(name: string) {
  const { db, kv } = await worker.bindings();
  const token = generateToken();
  const hash = await sha256Hex(token);
  const now = new Date().toISOString();
  await db.prepare("INSERT INTO tenants (id, token_hash, created_at) VALUES (?, ?, ?)").bind(name, hash, now).run();
  await kv.put(tokenKey(hash), JSON.stringify({ tenant: name, createdAt: now }));
  return token;
}

async function seedAdminKey(scope: string) {
  const { db } = await worker.bindings();
  const key = newAdminKey();
  await db.prepare(insertAdminKey(newAdminKeyId(), await sha256Hex(key), scope, new Date().toISOString())).run();
  return key;
}

const scim = (tenant: string, token: string, path: string, body?: unknown) =>
  worker.tenantFetch(tenant, `/scim/v2${path}`, {
    method: body === undefined ? "GET" : "POST",
    headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/scim+json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "scim-edge-browser-"));
  const migrate = await runWrangler(["d1", "migrations", "apply", "DB", "--local", "--persist-to", dir]);
  if (migrate.code !== 0) throw new Error(migrate.stderr);
  worker = await serveWorker({
    persistTo: dir,
    vars: { TOKEN_CACHE_SECONDS: "0", CONFIG_CACHE_SECONDS: "0", ACCESS_TOKEN_SECRET: "browser-test-only-secret-0123456789abcdef" },
    onWorkerLog: () => {},
  });
  tokens.contoso = await seedTenant("contoso");
  await seedTenant("fabrikam");
  keys.all = await seedAdminKey(ALL_TENANTS);
  keys.contoso = await seedAdminKey("contoso");
  const alice = await scim("contoso", tokens.contoso, "/Users", {
    schemas: ["urn:ietf:params:scim:schemas:core:2.0:User"],
    userName: "alice@contoso.com",
    displayName: "Alice Example",
    externalId: "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef",
    active: true,
    emails: [{ primary: true, type: "work", value: "alice@contoso.com" }],
  });
  aliceId = ((await alice.json()) as { id: string }).id;
  await scim("contoso", tokens.contoso, "/Groups", { displayName: "Sales", members: [{ value: aliceId }] });
  // Entra with a wrong token: the failure the console's log, failure groups and chart must show.
  expect((await scim("contoso", "scim_wrong", "/Users?filter=userName%20eq%20%22bob%40contoso.com%22")).status).toBe(401);
  // Successful requests' rows are written after the answer: wait until all three are in.
  const { db } = await worker.bindings();
  const logged = async () =>
    (await db.prepare("SELECT count(*) AS n FROM request_log WHERE tenant_id = 'contoso'").all<{ n: number }>()).results[0]?.n;
  await vi.waitFor(
    async () => {
      if ((await logged()) !== 3) throw new Error("the log has not all three requests yet");
    },
    { timeout: 10_000, interval: 100 },
  );
  await mkdir(SHOTS, { recursive: true });
  browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: CHROMIUM_ARGS });
});

afterAll(async () => {
  await browser?.close();
  await worker?.dispose();
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function signIn(context: BrowserContext, key: string): Promise<Page> {
  const page = await context.newPage();
  await page.goto(`${worker.origin}/console/tenants`);
  await page.getByLabel("Admin key").fill(key);
  await page.getByRole("button", { name: "Sign in" }).click();
  return page;
}

const shot = (page: Page, name: string) => page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });

describe("the console in chromium", () => {
  it("refuses a wrong key", async () => {
    const context = await browser.newContext();
    const page = await signIn(context, "scimadm_wrong");
    await expect.poll(() => page.getByRole("alert").textContent()).toContain("That is not a valid admin key.");
    expect(page.url()).toBe(`${worker.origin}/console/sign-in`);
    await shot(page, "sign-in");
    await context.close();
  });

  it("signs in, lists the tenants, opens one, searches its users and opens a user", async () => {
    const context = await browser.newContext();
    const page = await signIn(context, keys.all);
    await page.getByRole("heading", { name: "Tenants" }).waitFor();
    const row = page.getByRole("row", { name: /contoso/ });
    await expect.poll(() => row.textContent()).toContain("Secret Token");
    const cookies = await context.cookies();
    expect(cookies).toEqual([expect.objectContaining({ name: "scim_console", httpOnly: true, sameSite: "Strict", path: "/console" })]);
    await shot(page, "tenants");

    expect(await row.textContent()).toContain("at risk");

    await page.getByRole("link", { name: "contoso" }).click();
    await page.getByRole("heading", { name: "Settings" }).waitFor();
    // The wrong-token request, recorded by the Worker: in the failure groups and the chart.
    const group = page.locator("ol.failure-groups > li", { hasText: "401 unauthorized" });
    expect(await group.locator("summary").textContent()).toContain("401 unauthorized: 1 request");
    await group.locator("summary").click();
    expect(await group.getByRole("cell", { name: /bob%40contoso\.com/ }).count()).toBe(1);
    const chart = page.locator('svg[data-chart="hourly"]');
    expect(await chart.locator("rect.requests").count()).toBe(1);
    expect(await chart.locator("rect.failures").count()).toBe(1);
    expect(await chart.getAttribute("aria-label")).toContain("3 requests, 1 failed, over 168 hours");
    await shot(page, "tenant");

    await page.getByRole("link", { name: "Provisioning log" }).click();
    expect(await page.locator("table.log tbody tr").count()).toBe(3);
    await page.getByLabel("Status").selectOption("4xx");
    await page.getByRole("button", { name: "Filter" }).click();
    await page.waitForURL(/\/log\?status=4xx/);
    expect(await page.getByLabel("Status").inputValue()).toBe("4xx");
    const failed = page.locator("table.log tbody tr");
    expect(await failed.count()).toBe(1);
    expect(await failed.textContent()).toContain("GET /scim/v2/Users?filter=userName%20eq%20%22bob%40contoso.com%22");
    expect(await failed.locator(".status.failed").textContent()).toBe("401");
    await shot(page, "log");

    await page.getByRole("link", { name: "Users" }).click();
    await page.getByLabel("SCIM filter").fill('userName eq "nobody"');
    await page.getByRole("button", { name: "Search" }).click();
    await expect.poll(() => page.locator("caption").textContent()).toContain("0 users");
    await page.getByLabel("SCIM filter").fill("userName eq");
    await page.getByRole("button", { name: "Search" }).click();
    await expect.poll(() => page.getByRole("alert").textContent()).toContain("This filter cannot be searched");
    await page.getByLabel("SCIM filter").fill('emails[type eq "work"].value eq "ALICE@contoso.com"');
    await page.getByRole("button", { name: "Search" }).click();
    await page.getByRole("link", { name: "alice@contoso.com" }).waitFor();
    await shot(page, "users");

    await page.getByRole("link", { name: "alice@contoso.com" }).click();
    await page.getByRole("heading", { name: "SCIM JSON" }).waitFor();
    expect(await page.locator("pre").first().textContent()).toContain(`"id": "${aliceId}"`);
    expect(await page.getByRole("listitem").filter({ hasText: "Sales" }).count()).toBe(1);
    expect(await page.locator("table.log").textContent()).toContain("POST /scim/v2/Users");
    await shot(page, "user");

    await page.getByRole("link", { name: "Events" }).click();
    await page.locator("summary strong", { hasText: "group.created" }).waitFor();
    await shot(page, "events");
    await context.close();
  });

  it("rotates the Secret Token through its confirm step and shows the new one once", async () => {
    const context = await browser.newContext();
    const page = await signIn(context, keys.contoso);
    await page.getByRole("link", { name: "Rotate the Secret Token…" }).click();
    await shot(page, "rotate-confirm");
    await page.getByRole("button", { name: "Rotate the token" }).click();
    const token = (await page.locator("code.secret").textContent())?.trim() ?? "";
    expect(token).toMatch(/^scim_/);
    expect((await scim("contoso", tokens.contoso, "/Users")).status).toBe(401);
    expect((await scim("contoso", token, "/Users")).status).toBe(200);
    tokens.contoso = token;
    await page.locator("code.secret").evaluate((node) => {
      node.textContent = "scim_•••••••• (redacted in this screenshot)";
    });
    await shot(page, "rotate-done");
    await context.close();
  });

  it("refuses a tenant-scoped key another tenant's pages", async () => {
    const context = await browser.newContext();
    const page = await signIn(context, keys.contoso);
    expect(page.url()).toBe(`${worker.origin}/console/tenants/contoso`);
    const response = await page.goto(`${worker.origin}/console/tenants/fabrikam/users`);
    expect(response?.status()).toBe(404);
    expect(await page.getByRole("alert").textContent()).toContain('no tenant "fabrikam"');
    await context.close();
  });

  it("refuses a POST without the session's CSRF token", async () => {
    const context = await browser.newContext();
    await signIn(context, keys.contoso);
    // The page's own CSP forbids scripts from fetching (connect-src 'none'): the POST is sent with
    // the context's cookies, as a forged form would be, from this origin but without the token.
    const forged = await context.request.post(`${worker.origin}/console/tenants/contoso/actions/rotate-token`, {
      form: { confirm: "yes" },
      headers: { Origin: worker.origin },
      maxRedirects: 0,
    });
    const status = forged.status();
    expect(status).toBe(403);
    expect((await scim("contoso", tokens.contoso, "/Users")).status).toBe(200);
    await context.close();
  });

  // A week of traffic cannot be recorded in a test run: this one page renders a busy week from
  // fixture data, for the chart's screenshot in README. Every other view above shows the Worker's own log.
  it("renders a busy week's chart at full width", async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.setContent(await renderBusyTenantPage());
    const chart = page.locator('svg[data-chart="hourly"]');
    const box = await chart.boundingBox();
    expect(box?.width).toBeGreaterThan(600);
    expect(await chart.locator("rect.requests").count()).toBe(168);
    expect(await chart.locator("rect.failures").count()).toBeGreaterThan(0);
    await shot(page, "tenant-with-log");
    await context.close();
  });

  it("is readable on a phone", async () => {
    const context = await browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true });
    const page = await signIn(context, keys.all);
    await page.getByRole("heading", { name: "Tenants" }).waitFor();
    // Nothing wider than the screen but the tables' own scroll boxes.
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await shot(page, "tenants-phone");
    await context.close();
  });
});
