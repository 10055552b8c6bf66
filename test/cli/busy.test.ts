// The CLI beside a running `npm run dev`: the dev server writes to the same SQLite files on its own
// (provisioning log flushes, webhook alarms), so a command can meet a write lock. It must wait it out.

import { readdir, mkdtemp, rm } from "node:fs/promises";
import { DatabaseSync } from "node:sqlite";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, test } from "vitest";
import { assertNode22, d1Rows, runCli } from "./run-cli.ts";

let dir: string;

beforeAll(async () => {
  assertNode22();
  dir = await mkdtemp(join(tmpdir(), "scim-edge-busy-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function d1File(): Promise<string> {
  const folder = join(dir, "v3", "d1", "miniflare-D1DatabaseObject");
  const [file] = (await readdir(folder)).filter((name) => name.endsWith(".sqlite") && name !== "metadata.sqlite");
  return join(folder, file);
}

test("a command that meets another process's write lock runs once the lock is released", async () => {
  expect((await runCli(["create", "first", "--persist-to", dir])).code).toBe(0);
  const holder = new DatabaseSync(await d1File());
  holder.exec("BEGIN IMMEDIATE");
  const waiting = runCli(["create", "second", "--persist-to", dir]);
  // Long enough for wrangler to start and hit the lock at least once.
  await new Promise((resolve) => setTimeout(resolve, 4000));
  holder.exec("COMMIT");
  holder.close();
  const run = await waiting;
  expect(run.stderr).not.toMatch(/SQLITE_BUSY/);
  expect(run.code).toBe(0);
  expect(await d1Rows<{ id: string }>(dir, "SELECT id FROM tenants ORDER BY id")).toEqual([{ id: "first" }, { id: "second" }]);
}, 120_000);
