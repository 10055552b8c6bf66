// Runs the operator CLI the way `npm run tenant` does, and reads back local state with wrangler,
// so tests check what the CLI stored, not what it says it stored.

import { spawn } from "node:child_process";
import { expect } from "vitest";
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { EXIT_USAGE } from "../../src/cli/errors.ts";
import { PROJECT_ROOT, runWrangler } from "../../src/cli/wrangler.ts";

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** The CLI needs type stripping, so the Node running vitest must be >= 22 (npm scripts and npx put Node 22 first). */
export function assertNode22() {
  const [major, minor] = process.versions.node.split(".").map(Number);
  if (major < 22 || (major === 22 && minor < 12)) {
    throw new Error(`run the cli tests through npm/npx (Node >= 22.12 needed, this is ${process.version} at ${process.execPath})`);
  }
}

export function runCli(args: string[], env: Record<string, string | undefined> = {}): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--experimental-strip-types", "src/cli/tenant.ts", ...args], {
      cwd: PROJECT_ROOT,
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, ...env },
    });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code: code ?? 1, stdout, stderr }));
  });
}

async function wranglerJson(args: string[]): Promise<unknown> {
  const out = await runWrangler(args);
  if (out.code !== 0) throw new Error(`wrangler ${args.join(" ")} failed:\n${out.stderr}\n${out.stdout}`);
  return JSON.parse(out.stdout);
}

export async function kvKeys(persistTo: string): Promise<{ name: string; metadata?: unknown }[]> {
  return (await wranglerJson(["kv", "key", "list", "--binding", "TOKENS", "--local", "--persist-to", persistTo])) as {
    name: string;
  }[];
}

/** The raw value, or null when wrangler says it is not there. */
export async function kvGet(persistTo: string, key: string): Promise<string | null> {
  const out = await runWrangler(["kv", "key", "get", "--binding", "TOKENS", key, "--local", "--persist-to", persistTo]);
  if (out.code !== 0) throw new Error(`wrangler kv key get failed:\n${out.stderr}`);
  return out.stdout.trim() === "Value not found" ? null : out.stdout;
}

export async function d1Rows<Row>(persistTo: string, sql: string): Promise<Row[]> {
  const body = (await wranglerJson(["d1", "execute", "DB", "--local", "--persist-to", persistTo, "--json", "--command", sql])) as {
    results: Row[];
  }[];
  return body[0].results;
}

/** Every file under dir that contains needle: the proof a plaintext token was stored nowhere. */
export async function filesContaining(dir: string, needle: string): Promise<string[]> {
  const hits: string[] = [];
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    if ((await readFile(path)).includes(needle)) hits.push(path);
  }
  return hits;
}

/** stdout must be exactly one JSON value on one line: JSON.parse rejects any noise around it. */
export function parseSingleJson(stdout: string): unknown {
  if (stdout.trimEnd().includes("\n")) throw new Error(`expected one line of JSON, got:\n${stdout}`);
  return JSON.parse(stdout);
}

/** Runs the CLI with --json on `dir`'s local state, expects success, and returns its single JSON value. */
export function jsonCli(dir: string) {
  return async (...args: string[]): Promise<any> => {
    const run = await runCli([...args, "--json", "--persist-to", dir]);
    expect(run.stderr).not.toMatch(/^error:/m);
    expect(run.code).toBe(0);
    return parseSingleJson(run.stdout);
  };
}

/** A parse that must fail as a usage mistake (exit code 2) with `message`. */
export function expectUsageError(parse: () => unknown, message: RegExp) {
  expect(parse).toThrow(message);
  try {
    parse();
  } catch (error) {
    expect((error as { exitCode: number }).exitCode).toBe(EXIT_USAGE);
  }
}
