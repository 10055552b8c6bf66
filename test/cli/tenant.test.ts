// The CLI against real local state (a temp --persist-to dir), checked through wrangler itself.
// Each wrangler spawn costs 1-3 s, so each test walks one tenant through several steps.

import { spawn } from "node:child_process";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { PROJECT_ROOT } from "../../src/cli/wrangler.ts";
import { sha256Hex } from "../../src/lib/crypto.ts";
import { assertNode22, d1Rows, filesContaining, kvGet, kvKeys, parseSingleJson, runCli } from "./run-cli.ts";

const TOKEN = /^scim_[A-Za-z0-9_-]{43,}$/; // 32 random bytes = 43 base64url characters
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

let dir: string;
const local = () => ["--persist-to", dir];

beforeAll(async () => {
  assertNode22();
  dir = await mkdtemp(join(tmpdir(), "scim-edge-cli-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("rejected before any state is touched", () => {
  test.each([
    ["upper case and underscore", ["create", "Bad_Name"], /invalid tenant name "Bad_Name"/],
    ["leading hyphen", ["create", "--", "-x"], /invalid tenant name "-x"/],
    ["leading hyphen without --", ["create", "-x"], /Unknown option '-x'/],
    ["trailing hyphen", ["rotate", "x-"], /invalid tenant name "x-"/],
    ["64 characters", ["create", "a".repeat(64)], /invalid tenant name/],
    ["a dot (two labels)", ["revoke", "a.b"], /invalid tenant name/],
    ["SQL in the name", ["create", "a';DROP TABLE tenants;--"], /invalid tenant name/],
    ["unknown command", ["frobnicate", "acme"], /unknown command "frobnicate"/],
    ["unknown flag", ["list", "--verbose"], /Unknown option '--verbose'/],
    ["missing tenant", ["rotate"], /needs a tenant name/],
    ["extra argument", ["create", "a", "b"], /takes one tenant name/],
    ["--local with --remote", ["list", "--local", "--remote"], /exclude each other/],
    ["--persist-to with --remote", ["list", "--remote", "--persist-to", "x"], /local state only/],
  ])("%s", async (_, args, message) => {
    // Options first: after "--" everything is a positional.
    const run = await runCli([...(args.includes("--persist-to") ? [] : local()), ...args]);
    expect(run.code).not.toBe(0);
    expect(run.stdout).toBe("");
    expect(run.stderr).toMatch(message);
    expect(await readdir(dir)).toEqual([]);
  });

  test("--remote refuses a localhost BASE_DOMAIN (wrangler.toml's local default, or the env var)", async () => {
    const fromConfig = await runCli(["create", "acme", "--remote", "--json"], { BASE_DOMAIN: undefined });
    expect(fromConfig.code).not.toBe(0);
    expect(fromConfig.stdout).toBe("");
    expect(fromConfig.stderr).toMatch(/BASE_DOMAIN is "localhost" \(from .*wrangler\.toml \[vars\]\).*Set the deployed domain/s);

    const fromEnv = await runCli(["list", "--remote"], { BASE_DOMAIN: "dev.localhost" });
    expect(fromEnv.code).not.toBe(0);
    expect(fromEnv.stderr).toMatch(/BASE_DOMAIN is "dev.localhost" \(from \$BASE_DOMAIN\)/);
  });

  test.skipIf(!process.env.npm_execpath)("package.json's `npm run -s tenant` runs the CLI", async () => {
    const run = await new Promise<{ code: number | null; stdout: string }>((resolve, reject) => {
      let stdout = "";
      const child = spawn(process.execPath, [process.env.npm_execpath as string, "run", "-s", "tenant", "--", "--help"], {
        cwd: PROJECT_ROOT,
        stdio: ["ignore", "pipe", "ignore"],
      });
      child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
      child.on("error", reject).on("close", (code) => resolve({ code, stdout }));
    });
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^Usage: npm run tenant/);
  });

  test("--help prints usage on stdout and succeeds", async () => {
    const run = await runCli(["--help"]);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^Usage: npm run tenant -- <command>/);
    for (const command of ["create", "rotate", "revoke", "list", "--remote", "--persist-to", "--json"]) {
      expect(run.stdout).toContain(command);
    }
  });
});

describe("against local state", () => {
  test("create --json prints one JSON object and stores only the token's hash", async () => {
    const run = await runCli(["create", "acme", "--json", ...local()]);
    expect(run.stderr).toContain('Creating tenant "acme"');
    expect(run.code).toBe(0);
    const created = parseSingleJson(run.stdout) as Record<string, string>;
    expect(Object.keys(created).sort()).toEqual(["tenant", "tenantUrl", "token"]);
    expect(created.tenant).toBe("acme");
    expect(created.tenantUrl).toBe("http://acme.localhost:8787/scim/v2");
    expect(created.token).toMatch(TOKEN);

    const hash = await sha256Hex(created.token);
    const keys = await kvKeys(dir);
    expect(keys).toEqual([{ name: `token:${hash}`, metadata: { tenant: "acme" } }]);
    const record = JSON.parse((await kvGet(dir, `token:${hash}`)) ?? "null");
    expect(record).toEqual({ tenant: "acme", createdAt: expect.stringMatching(ISO) });

    const rows = await d1Rows<Record<string, unknown>>(dir, "SELECT id, token_hash, created_at FROM tenants");
    expect(rows).toEqual([{ id: "acme", token_hash: hash, created_at: record.createdAt }]);

    // Not in KV, D1 or any other file of the local state: the plaintext exists only on stdout.
    expect(await filesContaining(dir, created.token)).toEqual([]);
    // ...while the same search does find what is stored, so it looks in the right places.
    expect(await filesContaining(dir, hash)).not.toEqual([]);

    const again = await runCli(["create", "acme", "--json", ...local()]);
    expect(again.code).not.toBe(0);
    expect(again.stdout).toBe("");
    expect(again.stderr).toMatch(/error: tenant "acme" already exists/);

    for (const command of ["rotate", "revoke"]) {
      const unknown = await runCli([command, "ghost", "--json", ...local()]);
      expect(unknown.code).not.toBe(0);
      expect(unknown.stdout).toBe("");
      expect(unknown.stderr).toMatch(/error: unknown tenant "ghost"/);
    }
    // The failed create left the first token in place.
    expect(await kvKeys(dir)).toEqual(keys);
  });

  test("rotate replaces the token, revoke removes it, list reports both states", async () => {
    const created = parseSingleJson((await runCli(["create", "beta", "--json", ...local()])).stdout) as {
      token: string;
    };

    const rotate = await runCli(["rotate", "beta", "--json", ...local()]);
    expect(rotate.code).toBe(0);
    const rotated = parseSingleJson(rotate.stdout) as Record<string, string>;
    expect(rotated).toEqual({ tenant: "beta", tenantUrl: "http://beta.localhost:8787/scim/v2", token: expect.stringMatching(TOKEN) });
    expect(rotated.token).not.toBe(created.token);
    const newHash = await sha256Hex(rotated.token);

    // acme (previous test) shares this state; the key metadata says whose a key is.
    const betaKeys = async () =>
      (await kvKeys(dir)).filter((k) => (k.metadata as { tenant?: string })?.tenant === "beta").map((k) => k.name);
    expect(await betaKeys()).toEqual([`token:${newHash}`]);
    expect(await d1Rows(dir, "SELECT token_hash FROM tenants WHERE id = 'beta'")).toEqual([{ token_hash: newHash }]);

    const listed = await runCli(["list", "--json", ...local()]);
    expect(listed.code).toBe(0);
    expect(parseSingleJson(listed.stdout)).toEqual(
      expect.arrayContaining([
        { tenant: "beta", createdAt: expect.stringMatching(ISO), tokenLive: true, tenantUrl: "http://beta.localhost:8787/scim/v2" },
      ]),
    );

    const revoke = await runCli(["revoke", "beta", "--json", ...local()]);
    expect(revoke.code).toBe(0);
    expect(parseSingleJson(revoke.stdout)).toEqual({ tenant: "beta", revoked: true });
    expect(await betaKeys()).toEqual([]);
    expect(await d1Rows(dir, "SELECT id, token_hash FROM tenants WHERE id = 'beta'")).toEqual([{ id: "beta", token_hash: null }]);

    // Human-readable list: revoked tenants stay listed, without a live token.
    const table = await runCli(["list", ...local()]);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/^TENANT\s+CREATED\s+TOKEN\s+TENANT URL$/m);
    expect(table.stdout).toMatch(/^beta\s+\S+Z\s+none\s+http:\/\/beta\.localhost:8787\/scim\/v2$/m);
  });
});
