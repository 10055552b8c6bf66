// The CLI's only way to reach D1 and KV: wrangler's own commands. They read wrangler.toml's
// bindings and write the same local state `npm run dev` serves, and with --remote the same calls
// reach the deployed resources, so the CLI needs no account or API code of its own.

import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { stripVTControlCharacters } from "node:util";
import type { Target } from "./args.ts";
import { CliError } from "./errors.ts";

export const PROJECT_ROOT = fileURLToPath(new URL("../../", import.meta.url));
// The script node_modules/.bin/wrangler links to, run with this process's Node: wrangler needs
// Node >= 22.12, which the CLI already runs on, while the PATH's `node` may be older.
const WRANGLER_BIN = fileURLToPath(new URL("../../node_modules/wrangler/bin/wrangler.js", import.meta.url));

export interface WranglerOutput {
  code: number;
  stdout: string;
  stderr: string;
}

export function runWrangler(args: string[]): Promise<WranglerOutput> {
  if (!existsSync(WRANGLER_BIN)) {
    return Promise.reject(new CliError(`wrangler not found at ${WRANGLER_BIN}; run npm install`));
  }
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [WRANGLER_BIN, ...args], {
      // The project root, so wrangler finds wrangler.toml and .wrangler/state as `npm run dev` does.
      cwd: PROJECT_ROOT,
      // No stdin: wrangler then takes its non-interactive defaults instead of waiting on a prompt.
      stdio: ["ignore", "pipe", "pipe"],
      env: {
        // Defaults only; the operator's environment wins. These keep a scripted call quiet and offline.
        WRANGLER_SEND_METRICS: "false",
        WRANGLER_SEND_ERROR_REPORTS: "false",
        WRANGLER_HIDE_BANNER: "true",
        WRANGLER_NO_SKILLS_UPDATE_PROMPTS: "true",
        ...process.env,
      },
    });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
    child.on("error", reject);
    child.on("close", (code, signal) => resolve({ code: code ?? (signal ? 128 : 1), stdout, stderr }));
  });
}

function targetFlags(target: Target): string[] {
  const flags = target.remote ? ["--remote"] : ["--local"];
  if (!target.remote && target.persistTo !== undefined) flags.push("--persist-to", target.persistTo);
  if (target.config !== undefined) flags.push("--config", target.config);
  return flags;
}

/** wrangler's own words for a failure, without colour codes or its log-file pointer. */
function describeFailure(what: string, out: WranglerOutput): CliError {
  const text = stripVTControlCharacters(`${out.stderr}\n${out.stdout}`)
    .split("\n")
    .map((line) => line.trimEnd())
    .filter((line) => line.trim() !== "" && !line.includes("Logs were written to"))
    .join("\n");
  return new CliError(`${what} failed (wrangler exit ${out.code}):\n${text}`);
}

async function run(what: string, args: string[]): Promise<WranglerOutput> {
  const out = await runWrangler(args);
  if (out.code !== 0) throw describeFailure(what, out);
  return out;
}

function parseJson(what: string, out: WranglerOutput): unknown {
  try {
    return JSON.parse(out.stdout);
  } catch {
    throw describeFailure(`${what} (unreadable output)`, out);
  }
}

export interface KvKey {
  name: string;
  metadata?: unknown;
}

/** What commands.ts needs from storage; wrangler is one implementation, tests may bring another. */
export interface Store {
  /** Makes the tables exist (local state on a fresh checkout has none). */
  prepare(): Promise<void>;
  /** Runs one SQL statement and returns its rows. */
  query<Row>(sql: string): Promise<Row[]>;
  /** Runs statements as one D1 batch in one wrangler call (atomic locally) and returns each one's rows. */
  batch(statements: string[]): Promise<unknown[][]>;
  /**
   * Runs statements that carry a secret, from a file only this user can read (removed after), as a
   * command line is visible to every process on the machine. Returns no rows: with --remote,
   * wrangler sends a file through D1's import, which reports counts only.
   */
  runSecret(statements: string[]): Promise<void>;
  kvPut(key: string, value: string, metadata: unknown): Promise<void>;
  kvDelete(key: string): Promise<void>;
  kvList(prefix: string): Promise<KvKey[]>;
}

export function wranglerStore(target: Target): Store {
  const flags = targetFlags(target);

  /** wrangler's results of `d1 execute --json`, one per statement it reported. */
  async function execute(input: string[]): Promise<{ results: unknown[] }[]> {
    const out = await runWrangler(["d1", "execute", "DB", ...flags, "--json", ...input]);
    // With --json, wrangler reports SQL errors as {"error":{"text"}} on stdout and exits 1.
    const body = out.stdout.trim() === "" ? undefined : parseJson("d1 execute", out);
    const error = (body as { error?: { text?: string } } | undefined)?.error;
    if (error) throw new CliError(`D1 query failed: ${error.text ?? JSON.stringify(error)}`);
    if (out.code !== 0 || !Array.isArray(body)) throw describeFailure("d1 execute", out);
    return body;
  }

  async function batch(statements: string[]): Promise<unknown[][]> {
    // wrangler splits --command on the semicolons and runs the parts as one D1 batch.
    const body = await execute(["--command", statements.join(";\n")]);
    if (body.length !== statements.length)
      throw new CliError(`d1 execute answered ${body.length} results for ${statements.length} statements`);
    return body.map((result) => result.results);
  }

  return {
    async prepare() {
      // Remote migrations belong to the deploy (README: Deploy); an operator command must not
      // change the production schema as a side effect.
      if (target.remote) return;
      await run("applying D1 migrations", ["d1", "migrations", "apply", "DB", ...flags]);
    },

    async query<Row>(sql: string) {
      return (await batch([sql]))[0] as Row[];
    },

    batch,

    async runSecret(statements) {
      // mkdtemp makes the directory 0700; the file is 0600 as well.
      const dir = await mkdtemp(join(tmpdir(), "scim-edge-sql-"));
      try {
        const file = join(dir, "statements.sql");
        await writeFile(file, `${statements.join(";\n")};\n`, { mode: 0o600 });
        await execute(["--file", file]);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    },

    async kvPut(key, value, metadata) {
      await run(`writing KV key ${key}`, [
        "kv",
        "key",
        "put",
        "--binding",
        "TOKENS",
        key,
        value,
        "--metadata",
        JSON.stringify(metadata),
        ...flags,
      ]);
    },

    async kvDelete(key) {
      await run(`deleting KV key ${key}`, ["kv", "key", "delete", "--binding", "TOKENS", key, ...flags]);
    },

    async kvList(prefix) {
      const what = "listing KV keys";
      const body = parseJson(what, await run(what, ["kv", "key", "list", "--binding", "TOKENS", "--prefix", prefix, ...flags]));
      if (!Array.isArray(body)) throw new CliError(`${what}: expected a JSON array from wrangler`);
      return body as KvKey[];
    },
  };
}
