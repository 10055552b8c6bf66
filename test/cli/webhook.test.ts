// `webhook ...` against real local state, with the Worker bundled as deployed and served on that
// same state, and a receiver on a local Node HTTP server: an endpoint the CLI adds is delivered to.

import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Webhook } from "standardwebhooks";
import { afterAll, beforeAll, describe, expect, test, vi } from "vitest";
import { parseCliArgs } from "../../src/cli/args.ts";
import { runWebhookCommand } from "../../src/cli/webhook/run.ts";
import { wranglerStore } from "../../src/cli/wrangler.ts";
import { type ServedWorker, serveWorker } from "../harness/serve-worker.ts";
import { assertNode22, d1Rows, expectUsageError, jsonCli, runCli } from "./run-cli.ts";

// wrangler's command lines, recorded on their way to the real spawn.
vi.mock("node:child_process", async (importOriginal) => {
  const actual = await importOriginal<typeof import("node:child_process")>();
  return { ...actual, spawn: vi.fn(actual.spawn) };
});

let dir: string;
let worker: ServedWorker;
let server: Server;
const received: { headers: Record<string, string>; body: string }[] = [];

beforeAll(async () => {
  assertNode22();
  dir = await mkdtemp(join(tmpdir(), "scim-edge-webhook-cli-"));
  worker = await serveWorker({ persistTo: dir, vars: { CONFIG_CACHE_SECONDS: "0", WEBHOOK_ALLOW_LOCAL_HTTP: "true" } });
  server = createServer((req, res) => {
    let body = "";
    req.setEncoding("utf8").on("data", (chunk: string) => (body += chunk));
    req.on("end", () => {
      received.push({ headers: req.headers as Record<string, string>, body });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
}, 60_000);

afterAll(async () => {
  await worker?.dispose();
  server?.close();
  await rm(dir, { recursive: true, force: true });
});

const cli = (...args: string[]) => jsonCli(dir)(...args);
const parse = (...argv: string[]) => parseCliArgs(argv, (p) => `/abs/${p}`);
const ID = "wh_0123456789abcdef";

describe("arguments", () => {
  test("webhook commands check their tenant, id, URL-bearing form, types and --from-seq", () => {
    expect(parse("webhook", "add", "acme", "https://h.example.com/x", "--types", "user.created,user.deleted")).toMatchObject({
      kind: "webhook",
      command: "webhook add",
      tenant: "acme",
      url: "https://h.example.com/x",
      types: ["user.created", "user.deleted"],
    });
    expect(parse("webhook", "redeliver", "acme", ID, "--from-seq", "7")).toMatchObject({ id: ID, fromSeq: 7 });
    expect(parse("webhook", "list", "acme")).toMatchObject({ command: "webhook list", tenant: "acme" });
    expectUsageError(() => parse("webhook", "enable", "acme", "1';DROP TABLE webhook_endpoints;--"), /invalid webhook id/);
    expectUsageError(() => parse("webhook", "redeliver", "acme", ID), /--from-seq must be/);
    expectUsageError(() => parse("webhook", "redeliver", "acme", ID, "--from-seq", "0"), /--from-seq must be/);
    expectUsageError(() => parse("webhook", "enable", "acme", ID, "--from-seq", "3"), /--from-seq applies to "webhook redeliver" only/);
    expectUsageError(() => parse("webhook", "list", "acme", "--types", "user.created"), /--types applies to "webhook add" only/);
    expectUsageError(() => parse("webhook", "add", "acme", "https://h.example.com", "--types", "user.nope"), /unknown event type/);
    expectUsageError(() => parse("webhook", "add", "acme"), /usage: webhook add/);
    expectUsageError(() => parse("webhook", "pause", "acme", ID), /needs one of/);
    expectUsageError(() => parse("create", "acme", "--from-seq", "1"), /--from-seq does not apply to "create"/);
  });
});

describe("webhook", () => {
  test("add prints the secret once; the Worker delivers to it; rotate, redeliver, enable and remove act on it", async () => {
    const { token } = await cli("create", "hooked");
    const refused = await runCli(["webhook", "add", "hooked", "https://169.254.169.254/", "--persist-to", dir]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/URL refused/);

    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
    const added = await runCli(["webhook", "add", "hooked", url, "--json", "--persist-to", dir], { WEBHOOK_ALLOW_LOCAL_HTTP: "true" });
    expect(added.code).toBe(0);
    const hook = JSON.parse(added.stdout);
    expect(hook).toEqual({ id: expect.stringMatching(/^wh_[0-9a-f]{16}$/), url, secret: expect.stringMatching(/^whsec_/) });
    const [listed] = await cli("webhook", "list", "hooked");
    expect(listed).toMatchObject({ id: hook.id, url, status: "active", position: 0 });
    expect(JSON.stringify(listed)).not.toContain(hook.secret);

    const created = await worker.tenantFetch("hooked", "/scim/v2/Users", {
      method: "POST",
      headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/scim+json" },
      body: JSON.stringify({ userName: "ada@contoso.com", active: true }),
    });
    expect(created.status).toBe(201);
    await vi.waitFor(() => expect(received).toHaveLength(1), { timeout: 15_000 });
    const event = new Webhook(hook.secret).verify(received[0].body, received[0].headers) as any;
    expect(event).toMatchObject({ seq: 1, type: "user.created", tenant: "hooked" });

    const rotated = await cli("webhook", "rotate-secret", "hooked", hook.id);
    expect(rotated).toEqual({ id: hook.id, secret: expect.stringMatching(/^whsec_/), previousSecretUntil: expect.any(String) });
    expect(await cli("webhook", "redeliver", "hooked", hook.id, "--from-seq", "1")).toMatchObject({ position: 0, status: "active" });
    // Past the end of the feed: from the next event, not from a seq given out already.
    expect(await cli("webhook", "redeliver", "hooked", hook.id, "--from-seq", "50")).toMatchObject({ position: 1, status: "active" });
    expect(await cli("webhook", "enable", "hooked", hook.id)).toMatchObject({ status: "active" });
    const [row] = await d1Rows<{ secret: string; previous_secret: string }>(
      dir,
      `SELECT secret, previous_secret FROM webhook_endpoints WHERE id = '${hook.id}'`,
    );
    expect(row).toEqual({ secret: rotated.secret, previous_secret: hook.secret });

    expect(await cli("webhook", "remove", "hooked", hook.id)).toEqual({ id: hook.id, removed: true });
    expect(await cli("webhook", "list", "hooked")).toEqual([]);
    const missing = await runCli(["webhook", "enable", "hooked", hook.id, "--persist-to", dir]);
    expect(missing.code).toBe(1);
  });
});

describe("secrets on the way to D1", () => {
  test("never appear on wrangler's command line: add and rotate-secret run their SQL from a file, removed after", async () => {
    await cli("create", "secretive");
    const target = { remote: false, persistTo: dir };
    const ctx = { store: wranglerStore(target), target, baseDomain: "example.com", log: () => {}, now: () => new Date() };
    const common = { kind: "webhook", target, json: true, tenant: "secretive" } as const;
    vi.mocked(spawn).mockClear();
    const added = JSON.parse(
      await runWebhookCommand({ ...common, command: "webhook add", url: "https://hooks.example.com/x", types: null }, ctx),
    );
    const rotated = JSON.parse(await runWebhookCommand({ ...common, command: "webhook rotate-secret", id: added.id }, ctx));

    const argvs = vi.mocked(spawn).mock.calls.map(([, args]) => (args ?? []) as string[]);
    const files = argvs.filter((args) => args.includes("--file")).map((args) => args[args.indexOf("--file") + 1]);
    expect(files).toHaveLength(2);
    for (const file of files) expect(existsSync(file)).toBe(false);
    for (const secret of [added.secret, rotated.secret]) expect(JSON.stringify(argvs)).not.toContain(secret.slice(6));
    const [row] = await d1Rows(dir, `SELECT secret, previous_secret FROM webhook_endpoints WHERE id = '${added.id}'`);
    expect(row).toEqual({ secret: rotated.secret, previous_secret: added.secret });
  });
});
