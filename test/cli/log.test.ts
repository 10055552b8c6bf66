// `log` and `settings set --capture-bodies` against real local state, with the Worker bundled as
// deployed and served on that same state: what a request left in the provisioning log is what the
// operator reads.

import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { parseCliArgs } from "../../src/cli/args.ts";
import { PROJECT_ROOT } from "../../src/cli/wrangler.ts";
import { type ServedWorker, serveWorker } from "../harness/serve-worker.ts";
import { assertNode22, expectUsageError, jsonCli, runCli } from "./run-cli.ts";

let dir: string;
let worker: ServedWorker;

beforeAll(async () => {
  assertNode22();
  dir = await mkdtemp(join(tmpdir(), "scim-edge-log-cli-"));
  worker = await serveWorker({ persistTo: dir, vars: { TOKEN_CACHE_SECONDS: "0", CONFIG_CACHE_SECONDS: "0" } });
}, 60_000);

afterAll(async () => {
  await worker?.dispose();
  await rm(dir, { recursive: true, force: true });
});

const cli = (...args: string[]) => jsonCli(dir)(...args);
const parse = (...argv: string[]) => parseCliArgs(argv, (p) => `/abs/${p}`);
const lines = (text: string) =>
  text
    .split("\n")
    .filter(Boolean)
    .map((line) => JSON.parse(line));

const scim = (tenant: string, token: string, path: string, body?: unknown) =>
  worker.tenantFetch(tenant, `/scim/v2${path}`, {
    method: body === undefined ? "GET" : "POST",
    headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/scim+json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });

/** `log --json` once it shows `count` requests: successful ones are written just after their answer. */
async function logOf(tenant: string, count: number, ...flags: string[]) {
  for (let attempt = 0; ; attempt++) {
    const run = await runCli(["log", tenant, "--json", ...flags, "--persist-to", dir]);
    expect(run.code).toBe(0);
    const requests = lines(run.stdout);
    if (requests.length >= count || attempt === 20) return requests;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

describe("log", () => {
  test("takes a tenant and --failures, --follow, --json only", () => {
    expect(parse("log", "acme", "--failures", "--follow")).toMatchObject({ kind: "log", tenant: "acme", failures: true, follow: true });
    expectUsageError(() => parse("log"), /usage: log <tenant>/);
    expectUsageError(() => parse("log", "acme", "--after", "3"), /--after does not apply to "log"/);
    expectUsageError(() => parse("events", "acme", "--failures"), /--failures does not apply to "events"/);
    expectUsageError(() => parse("settings", "set", "acme", "--capture-bodies", "forever"), /--capture-bodies must be/);
  });

  test("prints a tenant's requests and failures, with bodies while capture is on, and follows new ones", async () => {
    const { token } = await cli("create", "logged");
    expect((await scim("logged", "scim_wrong", "/Users")).status).toBe(401);
    expect((await scim("logged", token, "/Users?count=1")).status).toBe(200);
    const all = await logOf("logged", 2);
    expect(all.map((r) => [r.method, r.path, r.status, r.credential.kind])).toEqual([
      ["GET", "/scim/v2/Users", 401, "none"],
      ["GET", "/scim/v2/Users?count=1", 200, "secret_token"],
    ]);
    expect((await logOf("logged", 1, "--failures")).map((r) => r.status)).toEqual([401]);
    const text = await runCli(["log", "logged", "--failures", "--persist-to", dir]);
    expect(text.stdout).toMatch(/ {2}401 {2}GET \/scim\/v2\/Users {2}\d+ ms {2}none {2}Authentication failed/);

    await cli("settings", "set", "logged", "--capture-bodies", "1h");
    const bad = await scim("logged", token, "/Users", { displayName: "no userName", password: "Cli-Secret-1!" });
    expect(bad.status).toBe(400);
    const [failure] = (await logOf("logged", 2, "--failures")).slice(-1);
    expect(failure.bodies.request).toContain("[redacted]");
    expect(JSON.stringify(failure)).not.toContain("Cli-Secret-1!");

    const follow = spawn(
      process.execPath,
      ["--experimental-strip-types", "src/cli/tenant.ts", "log", "logged", "--follow", "--json", "--persist-to", dir],
      {
        cwd: PROJECT_ROOT,
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    try {
      let out = "";
      const started = new Promise<void>((resolve) =>
        follow.stdout.setEncoding("utf8").on("data", (chunk: string) => {
          out += chunk;
          if (out.includes("count=2")) resolve();
          else if (lines(out).length >= 3) void scim("logged", token, "/Users?count=2");
        }),
      );
      await started;
      expect(lines(out).at(-1)).toMatchObject({ path: "/scim/v2/Users?count=2", status: 200 });
    } finally {
      follow.kill();
    }
  }, 120_000);
});
