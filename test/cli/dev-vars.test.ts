// `npm run dev`'s .dev.vars step: the pure decision, then the real script in a scratch directory.

import { spawnSync } from "node:child_process";
import { mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { withAccessTokenSecret } from "../../src/cli/dev-vars.ts";
import { PROJECT_ROOT } from "../../src/cli/wrangler.ts";
import { assertNode22 } from "./run-cli.ts";

const SECRET = "f".repeat(64);
const LONG = "x".repeat(32);

describe("withAccessTokenSecret", () => {
  test.each([
    ["no file", undefined, { kind: "created", text: `ACCESS_TOKEN_SECRET=${SECRET}\n` }],
    ["an empty file", "", { kind: "added", text: `ACCESS_TOKEN_SECRET=${SECRET}\n` }],
    ["other variables", "FOO=1", { kind: "added", text: `FOO=1\nACCESS_TOKEN_SECRET=${SECRET}\n` }],
    ["other variables, newline-terminated", "FOO=1\n", { kind: "added", text: `FOO=1\nACCESS_TOKEN_SECRET=${SECRET}\n` }],
    ["an empty assignment", 'FOO=1\nACCESS_TOKEN_SECRET=""\n', { kind: "added", text: `FOO=1\nACCESS_TOKEN_SECRET=${SECRET}\n` }],
    ["a secret of 32 characters", `ACCESS_TOKEN_SECRET=${LONG}\n`, { kind: "kept" }],
    ["a quoted, exported secret", `export ACCESS_TOKEN_SECRET = "${LONG}"\n`, { kind: "kept" }],
    ["a short secret, which it leaves alone", "ACCESS_TOKEN_SECRET=short\n", { kind: "short", length: 5 }],
    [
      "a short secret after a long one: the last wins",
      `ACCESS_TOKEN_SECRET=${LONG}\nACCESS_TOKEN_SECRET=ab\n`,
      { kind: "short", length: 2 },
    ],
  ])("%s", (_, text, expected) => {
    expect(withAccessTokenSecret(text, SECRET)).toEqual(expected);
  });
});

describe("npm run dev's first step", () => {
  let dir: string;
  beforeEach(async () => {
    assertNode22();
    dir = await mkdtemp(join(tmpdir(), "dev-vars-"));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  const run = () =>
    spawnSync(
      process.execPath,
      ["--experimental-strip-types", "--disable-warning=ExperimentalWarning", join(PROJECT_ROOT, "src/cli/dev.ts")],
      {
        cwd: dir,
        encoding: "utf8",
      },
    );

  test("creates .dev.vars with 32 random bytes in hex, says so once, and keeps it afterwards", async () => {
    const first = run();
    expect(first.status).toBe(0);
    expect(first.stderr).toContain("Created .dev.vars: a random ACCESS_TOKEN_SECRET");
    const text = await readFile(join(dir, ".dev.vars"), "utf8");
    expect(text).toMatch(/^ACCESS_TOKEN_SECRET=[0-9a-f]{64}\n$/);
    // Only its owner can read it.
    expect((await stat(join(dir, ".dev.vars"))).mode & 0o077).toBe(0);

    const second = run();
    expect(second.status).toBe(0);
    expect(second.stderr).toBe("");
    expect(await readFile(join(dir, ".dev.vars"), "utf8")).toBe(text);
  });

  test("adds the secret to a .dev.vars that lacks it, keeping what is there", async () => {
    await writeFile(join(dir, ".dev.vars"), "BASE_DOMAIN=example.test\n");
    const result = run();
    expect(result.stderr).toContain("Added to .dev.vars: a random ACCESS_TOKEN_SECRET");
    expect(await readFile(join(dir, ".dev.vars"), "utf8")).toMatch(/^BASE_DOMAIN=example\.test\nACCESS_TOKEN_SECRET=[0-9a-f]{64}\n$/);
  });

  test("two runs make two different secrets", async () => {
    run();
    const a = await readFile(join(dir, ".dev.vars"), "utf8");
    await rm(join(dir, ".dev.vars"));
    run();
    expect(await readFile(join(dir, ".dev.vars"), "utf8")).not.toBe(a);
  });
});
