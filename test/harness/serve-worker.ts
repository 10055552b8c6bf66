// Serves the Worker as deployed (wrangler's bundle) straight through Miniflare, on the local state
// the CLI writes: no `wrangler dev` proxy hop, request logging or trace collection, so it is both
// the end-to-end harness and fast enough to back the benchmark (local-runtime.md, "Miniflare direct").

import { Agent, request } from "node:http";
import { createRequire } from "node:module";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, extname, join } from "node:path";
import { pathToFileURL } from "node:url";
import { PROJECT_ROOT, runWrangler } from "../../src/cli/wrangler.ts";

export interface ServeOptions {
  /**
   * The directory given to the CLI's --persist-to (wrangler keeps its state under `<dir>/v3`);
   * default .wrangler/state, which `npm run dev` and `npm run tenant -- ... --local` use.
   */
  persistTo?: string;
  /** wrangler configuration file; default the project's wrangler.toml. */
  config?: string;
  /**
   * A module bundled in place of the configuration's `main` (as `wrangler deploy --dry-run <entry>`
   * would), with the same bindings: a bench-only entry such as test/bench/workers/scim-edge.ts.
   */
  entry?: string;
  /** Overrides for [vars], e.g. TOKEN_CACHE_SECONDS "0" so a revoke shows on the next request. */
  vars?: Record<string, string>;
  /** 0 (default) picks a free port. */
  port?: number;
  /**
   * More Workers served beside the project's Worker in the same runtime, on the same D1 state
   * (the benchmark's bare-D1 floor). Requests whose host matches one of `routes` go to them.
   */
  extraWorkers?: ExtraWorker[];
  /** Receives the Workers' console output (default: Miniflare prints it). */
  onWorkerLog?: (log: { level: string; message: string }) => void;
  /** workerd's own inspector on this port (Chrome DevTools protocol): CPU profiles of the isolates. */
  inspectorPort?: number;
}

export interface ExtraWorker {
  name: string;
  /** Its module (TypeScript is fine): bundled with the esbuild wrangler itself uses. */
  entry: string;
  /** Miniflare route patterns, e.g. "*.floor.localhost/*" (reached with tenantFetch("t.floor", ...)). */
  routes: string[];
}

export interface ServedWorker {
  /** http://127.0.0.1:<port> */
  origin: string;
  port: number;
  /**
   * A request to `http://{tenant}.localhost:<port>{path}` as Entra would send it to a tenant host:
   * it connects to 127.0.0.1 and names the tenant in the Host header, because *.localhost does not
   * resolve through every system resolver (not on these machines) and Node's fetch overrides Host.
   * Connections are kept alive, as a client under load would.
   */
  tenantFetch(tenant: string, path: string, init?: TenantRequestInit): Promise<Response>;
  /** The Worker's own D1 and KV bindings, for seeding benchmark data without HTTP. */
  bindings(): Promise<{ db: D1Like; kv: KvLike }>;
  /**
   * Drops the Worker's Durable Object `className` named `name` from memory, as the platform evicts an
   * idle object (Miniflare's eviction, which `evictDurableObject` of cloudflare:test also uses).
   */
  evictDurableObject(className: string, name: string): Promise<void>;
  dispose(): Promise<void>;
}

/** The parts of the D1 and KV bindings the harness's callers use (Miniflare hands out the real ones). */
export interface D1StatementLike {
  bind(...values: unknown[]): D1StatementLike;
  run(): Promise<unknown>;
  all<Row = Record<string, unknown>>(): Promise<{ results: Row[] }>;
}
export interface D1Like {
  prepare(sql: string): D1StatementLike;
  batch(statements: unknown[]): Promise<unknown>;
  exec(sql: string): Promise<unknown>;
}
export interface KvLike {
  put(key: string, value: string): Promise<void>;
}

/**
 * An `onWorkerLog` for runs that send many requests: the Worker's one JSON line per request would
 * bury their output, so only errors and warnings (and 5xx request lines) go to stderr.
 */
export function printWorkerErrors({ level, message }: { level: string; message: string }) {
  if (level === "error" || level === "warn" || message.includes('"level":"error"')) process.stderr.write(`worker: ${message}\n`);
}

export interface TenantRequestInit {
  method?: string;
  headers?: Record<string, string>;
  body?: string;
}

type MiniflareModule = typeof import("miniflare");

const fromWrangler = () => createRequire(createRequire(import.meta.url).resolve("wrangler/package.json"));

/** Miniflare from wrangler's own dependency: the version wrangler's worker options are shaped for. */
async function importWranglersMiniflare(): Promise<MiniflareModule> {
  return import(pathToFileURL(fromWrangler().resolve("miniflare")).href);
}

/** An extra Worker as one ES module, built by the esbuild wrangler depends on (no new dependency). */
async function bundleExtra(entry: string, outfile: string) {
  const esbuild = (await import(pathToFileURL(fromWrangler().resolve("esbuild")).href)) as typeof import("esbuild");
  await esbuild.build({ entryPoints: [entry], outfile, bundle: true, format: "esm", target: "es2022", logLevel: "error" });
}

/**
 * The Worker exactly as `wrangler deploy` would upload it (one ES module graph), and the name of its
 * file: index.js for the configuration's `main`, named after `entry` (scim-edge.js) for another.
 */
async function bundle(outdir: string, config: string | undefined, entry: string | undefined): Promise<string> {
  const args = ["deploy", "--dry-run", "--outdir", outdir, ...(config ? ["--config", config] : []), ...(entry ? [entry] : [])];
  const out = await runWrangler(args);
  if (out.code !== 0) throw new Error(`wrangler deploy --dry-run failed:\n${out.stderr}\n${out.stdout}`);
  return entry ? `${basename(entry, extname(entry))}.js` : "index.js";
}

export async function serveWorker(options: ServeOptions): Promise<ServedWorker> {
  const configPath = options.config ?? join(PROJECT_ROOT, "wrangler.toml");
  const persistTo = options.persistTo ?? join(PROJECT_ROOT, ".wrangler", "state");
  const scratch = await mkdtemp(join(tmpdir(), "scim-edge-serve-"));
  const outdir = join(scratch, "bundle");
  const main = await bundle(outdir, configPath, options.entry);

  const { unstable_getMiniflareWorkerOptions, unstable_readConfig } = await import("wrangler");
  const { Miniflare, convertV4MiniflareOptions } = await importWranglersMiniflare();
  const config = unstable_readConfig({ config: configPath }, { hideWarnings: true });
  const { workerOptions } = unstable_getMiniflareWorkerOptions(config);
  // The bundle is already one module graph; wrangler's rules would re-match its imports.
  const { modulesRules: _rules, ...bindingOptions } = workerOptions as typeof workerOptions & { modulesRules?: unknown };
  const baseBindings = (workerOptions as { bindings?: Record<string, unknown> }).bindings ?? {};
  const shared = workerOptions as { d1Databases?: unknown; compatibilityDate?: string; compatibilityFlags?: string[] };
  const extraWorkers = await Promise.all(
    (options.extraWorkers ?? []).map(async (extra) => {
      const dir = join(scratch, `extra-${extra.name}`);
      await bundleExtra(extra.entry, join(dir, "index.js"));
      return {
        name: extra.name,
        routes: extra.routes,
        // The same D1 database (and so the same tables and rows) as the project's Worker.
        d1Databases: shared.d1Databases,
        compatibilityDate: shared.compatibilityDate,
        compatibilityFlags: shared.compatibilityFlags,
        modules: true,
        scriptPath: join(dir, "index.js"),
        modulesRoot: dir,
      };
    }),
  );

  const mf = new Miniflare(
    convertV4MiniflareOptions({
      rootPath: PROJECT_ROOT,
      workers: [
        {
          ...bindingOptions,
          // wrangler's name, so Durable Object state lands where `wrangler dev` keeps it.
          name: config.name,
          bindings: { ...baseBindings, ...options.vars },
          modules: true,
          scriptPath: join(outdir, main),
          modulesRoot: outdir,
        },
        ...extraWorkers,
      ],
      host: "127.0.0.1",
      port: options.port ?? 0,
      ...(options.inspectorPort === undefined ? {} : { inspectorPort: options.inspectorPort }),
      // The same state `wrangler ... --local --persist-to <dir>` reads and writes.
      resourcePersistencePath: join(persistTo, "v3"),
      resourceTmpPath: join(scratch, "tmp"),
      logRequests: false,
      ...(options.onWorkerLog ? { handleStructuredLogs: options.onWorkerLog } : {}),
      unsafeObservability: false,
      telemetry: { enabled: false },
      // wrangler's declarations of these options name a package it bundles away, so TypeScript
      // cannot line them up with Miniflare's; they are the same objects at run time.
    } as Parameters<typeof convertV4MiniflareOptions>[0]),
  );

  let url: URL;
  try {
    url = await mf.ready;
  } catch (error) {
    await mf.dispose().catch(() => {});
    await rm(scratch, { recursive: true, force: true });
    throw error;
  }
  const port = Number(url.port);
  const origin = `http://127.0.0.1:${port}`;
  const agent = new Agent({ keepAlive: true });

  return {
    origin,
    port,
    tenantFetch: (tenant, path, init = {}) => httpFetch(agent, { port, path, host: `${tenant}.localhost:${port}`, ...init }),
    async bindings() {
      return {
        db: (await mf.getD1Database("DB")) as unknown as D1Like,
        kv: (await mf.getKVNamespace("TOKENS")) as unknown as KvLike,
      };
    },
    evictDurableObject: (className, name) => mf.unsafeEvictDurableObject(config.name ?? "", className, { name }),
    async dispose() {
      agent.destroy();
      await mf.dispose();
      await rm(scratch, { recursive: true, force: true });
    },
  };
}

const NO_BODY = new Set([101, 204, 205, 304]);

/**
 * One HTTP/1.1 exchange with 127.0.0.1 under a chosen Host header, answered as a fetch Response:
 * what `tenantFetch` does, for a client in another process (the noisy benchmark's quiet tenant).
 */
export function httpFetch(agent: Agent, options: TenantRequestInit & { port: number; path: string; host: string }): Promise<Response> {
  const headers: Record<string, string> = { ...options.headers, host: options.host };
  if (options.body !== undefined) headers["content-length"] = String(Buffer.byteLength(options.body));
  return new Promise((resolve, reject) => {
    const req = request(
      { agent, host: "127.0.0.1", port: options.port, path: options.path, method: options.method ?? "GET", headers },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("error", reject);
        res.on("end", () => {
          const responseHeaders = new Headers();
          for (const [name, value] of Object.entries(res.headers)) {
            for (const v of Array.isArray(value) ? value : value === undefined ? [] : [value]) responseHeaders.append(name, v);
          }
          const status = res.statusCode ?? 500;
          resolve(new Response(NO_BODY.has(status) ? null : Buffer.concat(chunks), { status, headers: responseHeaders }));
        });
      },
    );
    req.on("error", reject);
    req.end(options.body);
  });
}
