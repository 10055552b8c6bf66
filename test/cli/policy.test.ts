// The schema and policy commands against real local state, with the Worker bundled as deployed and
// served on that same state: each command is checked by what the SCIM API then does.

import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { type ServedWorker, serveWorker } from "../harness/serve-worker.ts";
import { assertNode22, jsonCli, runCli } from "./run-cli.ts";

const SKILLCAST = "urn:scim:skillcast:User";
let dir: string;
let worker: ServedWorker;

beforeAll(async () => {
  assertNode22();
  dir = await mkdtemp(join(tmpdir(), "scim-edge-policy-cli-"));
  // No configuration cache, so each command shows on the next request.
  worker = await serveWorker({ persistTo: dir, vars: { CONFIG_CACHE_SECONDS: "0", TOKEN_CACHE_SECONDS: "0" } });
}, 60_000);

afterAll(async () => {
  await worker?.dispose();
  await rm(dir, { recursive: true, force: true });
});

const cli = (...args: string[]) => jsonCli(dir)(...args);

async function failing(...args: string[]) {
  const run = await runCli([...args, "--persist-to", dir]);
  expect(run.code).not.toBe(0);
  expect(run.stdout).toBe("");
  return run.stderr;
}

const scim = async (tenant: string, token: string, path: string, init: { method?: string; body?: unknown } = {}) => {
  const response = await worker.tenantFetch(tenant, `/scim/v2${path}`, {
    method: init.method,
    headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/scim+json" },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
  return { status: response.status, body: (await response.json().catch(() => undefined)) as any };
};

describe("schema, domains and settings commands", () => {
  test("a Skillcast-style extension and a GoTo-style domain policy, set by the CLI and honoured by the Worker", async () => {
    const { token } = await cli("create", "skill");
    const added = await cli(
      "schema",
      "add",
      "skill",
      SKILLCAST,
      "--attr",
      "Division:string",
      "--attr",
      "Level:integer:required",
      "--attr",
      "Tier:string:values=gold|silver",
    );
    expect(added).toMatchObject({ tenant: "skill", urn: SKILLCAST, resourceType: "User", required: false });
    expect(added.attributes.map((a: any) => [a.name, a.type, a.required])).toEqual([
      ["Division", "string", false],
      ["Level", "integer", true],
      ["Tier", "string", false],
    ]);
    expect(await failing("schema", "add", "skill", "urn:scim:SKILLCAST:user", "--attr", "X:string")).toMatch(/already has schema/);

    const schema = await scim("skill", token, `/Schemas/${SKILLCAST}`);
    expect(schema.body.attributes.map((a: any) => a.name)).toEqual(["Division", "Level", "Tier"]);
    const created = await scim("skill", token, "/Users", {
      method: "POST",
      body: { userName: "a@contoso.com", [SKILLCAST]: { division: "Sales", level: "2" } },
    });
    expect(created.status).toBe(201);
    expect(created.body[SKILLCAST]).toEqual({ Division: "Sales", Level: 2 });

    expect((await cli("schema", "list", "skill")).map((e: any) => e.urn)).toEqual([SKILLCAST]);

    const domains = await cli("domains", "set", "skill", "Contoso.com", "fabrikam.com");
    expect(domains.allowedDomains).toEqual(["contoso.com", "fabrikam.com"]);
    expect((await scim("skill", token, "/Users", { method: "POST", body: { userName: "x@evil.com" } })).status).toBe(400);
    expect(
      (await scim("skill", token, "/Users", { method: "POST", body: { userName: "b@fabrikam.com", [SKILLCAST]: { Level: 1 } } })).status,
    ).toBe(201);

    const settings = await cli("settings", "set", "skill", "--delete-mode", "soft", "--groups", "off", "--rate-limit", "50");
    expect(settings).toMatchObject({
      deleteMode: "soft",
      groupsEnabled: false,
      rateLimitPerSecond: 50,
      eventRetentionDays: null,
      allowedDomains: ["contoso.com", "fabrikam.com"],
    });
    expect((await scim("skill", token, "/Groups")).status).toBe(403);
    expect((await scim("skill", token, `/Users/${created.body.id}`, { method: "DELETE" })).status).toBe(204);
    expect((await scim("skill", token, "/Users?count=0")).body.totalResults).toBe(1);

    // Only the option given changes; the Worker's cron prunes by it (test/integration/events.test.ts).
    expect(await cli("settings", "set", "skill", "--event-retention-days", "7")).toMatchObject({
      deleteMode: "soft",
      eventRetentionDays: 7,
    });
    const captured = await cli("settings", "set", "skill", "--capture-bodies", "24h", "--log-retention-days", "3");
    expect(Date.parse(captured.captureBodiesUntil) - Date.now()).toBeGreaterThan(23 * 3_600_000);
    expect(Date.parse(captured.captureBodiesUntil) - Date.now()).toBeLessThanOrEqual(24 * 3_600_000);
    const shown = await cli("show", "skill");
    expect(shown.provisioning).toEqual({
      allowedDomains: ["contoso.com", "fabrikam.com"],
      deleteMode: "soft",
      groupsEnabled: false,
      rateLimitPerSecond: 50,
      eventRetentionDays: 7,
      requestLogRetentionDays: 3,
      captureBodiesUntil: captured.captureBodiesUntil,
    });
    expect(shown.extensions.map((e: any) => e.urn)).toEqual([SKILLCAST]);
    expect(shown.methods).toContain("secretToken");
    const text = await runCli(["show", "skill", "--persist-to", dir]);
    expect(text.stdout).toContain("Allowed email domains: contoso.com, fabrikam.com");
    expect(text.stdout).toContain("DELETE: soft delete");
    expect(text.stdout).toContain("Change feed retention: 7 days");
    expect(text.stdout).toContain("Provisioning log retention: 3 days");
    expect(text.stdout).toContain(`Body capture of failed requests: on until ${captured.captureBodiesUntil}`);
    expect(await cli("settings", "set", "skill", "--capture-bodies", "off")).toMatchObject({ captureBodiesUntil: null });
    expect(await failing("settings", "set", "skill", "--capture-bodies", "8d")).toMatch(/at most 7 days/);
    expect(text.stdout).toContain(`${SKILLCAST} (User)`);

    expect((await cli("schema", "remove", "skill", SKILLCAST)).removed).toBe(true);
    expect((await scim("skill", token, `/Schemas/${SKILLCAST}`)).status).toBe(404);
    expect((await cli("domains", "set", "skill")).allowedDomains).toEqual([]);
    expect(
      await cli("settings", "set", "skill", "--groups", "on", "--rate-limit", "default", "--event-retention-days", "default"),
    ).toMatchObject({ rateLimitPerSecond: null, eventRetentionDays: null });
    expect((await scim("skill", token, "/Groups")).status).toBe(200);
  }, 180_000);

  test("an attribute declared unique refuses a held value until the schema is removed", async () => {
    const { token } = await cli("create", "uniq");
    const HR = "urn:scim:hr:User";
    const add = () => cli("schema", "add", "uniq", HR, "--attr", "EmployeeId:string:unique");
    expect((await add()).attributes[0]).toMatchObject({ name: "EmployeeId", uniqueness: "server" });
    const post = (userName: string) => scim("uniq", token, "/Users", { method: "POST", body: { userName, [HR]: { EmployeeId: "E1" } } });
    expect((await post("a")).status).toBe(201);
    const dup = await post("b");
    expect(dup.status).toBe(409);
    expect(dup.body.scimType).toBe("uniqueness");
    // Removing the extension forgets which values were held; adding it again checks only values
    // written from then on (a's stored E1 is not re-indexed until a is written).
    await cli("schema", "remove", "uniq", HR);
    await add();
    expect((await post("b")).status).toBe(201);
  }, 180_000);

  test("clear errors and non-zero exits", async () => {
    expect(await failing("schema", "list", "nosuch")).toMatch(/unknown tenant "nosuch"/);
    expect(await failing("domains", "set", "nosuch", "contoso.com")).toMatch(/unknown tenant/);
    expect(await failing("schema", "remove", "nosuch", SKILLCAST)).toMatch(/unknown tenant/);
    // Usage mistakes are caught before any wrangler call.
    for (const [args, message] of [
      [["schema", "add", "t1", "not-a-urn", "--attr", "A:string"], /not a schema URN/],
      [["schema", "add", "t1", "urn:ietf:params:scim:schemas:core:2.0:User", "--attr", "A:string"], /built-in/],
      [["schema", "add", "t1", SKILLCAST], /at least one --attr/],
      [["schema", "add", "t1", SKILLCAST, "--attr", "1bad:string"], /not a valid attribute name/],
      [["schema", "add", "t1", SKILLCAST, "--attr", "A:text"], /type must be one of/],
      [["schema", "add", "t1", SKILLCAST, "--attr", "A:string:shiny"], /unknown flag/],
      [["schema", "add", "t1", SKILLCAST, "--attr", "A:string", "--attr", "a:boolean"], /given twice/],
      [["domains", "set", "t1", "not a domain"], /not a domain name/],
      [
        ["settings", "set", "t1"],
        /needs --delete-mode, --groups, --rate-limit, --event-retention-days, --log-retention-days or --capture-bodies/,
      ],
      [["settings", "set", "t1", "--event-retention-days", "0"], /days \(1-99999\) or default/],
      [["settings", "set", "t1", "--delete-mode", "maybe"], /hard or soft/],
      [["schema", "frobnicate", "t1"], /unknown command/],
      [["create", "t1", "--attr", "A:string"], /does not apply/],
    ] as const) {
      const run = await runCli([...args, "--persist-to", dir]);
      expect(run.code, args.join(" ")).toBe(2);
      expect(run.stderr, args.join(" ")).toMatch(message);
    }
  }, 120_000);
});
