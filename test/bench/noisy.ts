// Noisy-neighbour benchmark (issue 6): does one tenant flooding the service raise another tenant's
// latency? A quiet tenant sends Entra's user match one request at a time, at random moments
// (test/bench/quiet-client.ts): alone; beside a neighbour sending at its rate limit (busy, but
// within it); and while that neighbour floods with matches and creates far above its rate,
// retrying every refusal at once as Entra does. Two more cases are the harness's own share: a
// neighbour sending the same requests at the same rate to the benchmark's floor
// (test/bench/floor-worker.ts: one bare D1 statement each, no auth, no Durable Object), since
// locally the Worker, every Durable Object and D1's SQLite share one workerd thread, which in
// production they do not; and, as the ceiling, one sending GET /health (no binding) at that rate. The cases take turns, `rounds` times, each round starting one case
// later, so drift in the machine's speed falls on all alike. Last, the same flood from a tenant
// whose own limit is lifted shows what the limiter saves. Targets: here, scim-edge's share, the quiet
// tenant's p95 beside the neighbour at its limit within 1.1x of its p95 beside the floor at that rate
// (issue 15); deployed (--origin, below), the quiet tenant's p95 under the flood within 1.2x of alone.
//
//   npm run bench:noisy [-- --samples 300 --rounds 3 --flood 16 --rate 100 --interval 30]
//
// Against a deployment (staging), where the Worker, the Durable Objects and D1 do not share one
// thread, as they do here: `--origin https://scim.example.com --quiet-token T1 --noisy-token T2`
// (tenants "quiet" and "noisy", or --quiet-tenant/--noisy-tenant). It runs the cases that need no
// harness (alone, beside GET /health, beside the neighbour at its limit, under its flood) and seeds
// nothing: the quiet tenant's matches find whatever users it has. The noisy tenant's flood creates
// users in it (flood-*@bench.test). Give both tenants the --rate the deployment enforces.

import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { parseArgs, promisify } from "node:util";
import { runWrangler } from "../../src/cli/wrangler.ts";
import { printWorkerErrors, serveWorker } from "../harness/serve-worker.ts";
import { seedTenant, seedUsers } from "./seed.ts";
import { ms, summarise, table, timed } from "./stats.ts";

const { values } = parseArgs({
  options: {
    samples: { type: "string", default: "300" },
    rounds: { type: "string", default: "3" },
    flood: { type: "string", default: "16" },
    rate: { type: "string", default: "100" },
    users: { type: "string", default: "10000" },
    // The quiet tenant's pace: one request every this many ms, well under any tenant's rate.
    interval: { type: "string", default: "30" },
    origin: { type: "string" },
    "quiet-tenant": { type: "string", default: "quiet" },
    "quiet-token": { type: "string" },
    "noisy-tenant": { type: "string", default: "noisy" },
    "noisy-token": { type: "string" },
  },
});
const run = promisify(execFile);
const samples = Number(values.samples);
const rounds = Number(values.rounds);
const floodConcurrency = Number(values.flood);

interface Credentials {
  tenant: string;
  token: string;
}

/** Where the benchmark's requests go, and with what. `floor` and `lifted` exist only in the local harness. */
interface Service {
  tenantFetch(tenant: string, path: string, init?: { method?: string; headers?: Record<string, string>; body?: string }): Promise<Response>;
  /** How the quiet client reaches the service: the local port, or the deployment's origin. */
  quietTarget: string;
  quiet: Credentials;
  noisy: Credentials;
  lifted?: Credentials;
  floor: boolean;
  dispose(): Promise<void>;
}

function deployed(origin: string): Service {
  const url = new URL(origin);
  const credentials = (role: "quiet" | "noisy"): Credentials => {
    const token = values[`${role}-token`];
    if (!token) throw new Error(`--origin needs --${role}-token`);
    return { tenant: values[`${role}-tenant`], token };
  };
  return {
    tenantFetch: (tenant, path, init = {}) => fetch(`${url.protocol}//${tenant}.${url.host}${path}`, init),
    quietTarget: url.origin,
    quiet: credentials("quiet"),
    noisy: credentials("noisy"),
    floor: false,
    dispose: async () => {},
  };
}

async function local(): Promise<Service> {
  const dir = await mkdtemp(join(tmpdir(), "scim-edge-noisy-"));
  const migrate = await runWrangler(["d1", "migrations", "apply", "DB", "--local", "--persist-to", dir]);
  if (migrate.code !== 0) throw new Error(migrate.stderr);
  // The deployment's default rate for every tenant, as a real deployment would run.
  const worker = await serveWorker({
    persistTo: dir,
    vars: { TENANT_RATE_LIMIT: values.rate },
    onWorkerLog: printWorkerErrors,
    extraWorkers: [{ name: "floor", entry: fileURLToPath(new URL("./floor-worker.ts", import.meta.url)), routes: ["*.floor.localhost/*"] }],
  });
  const { db, kv } = await worker.bindings();
  const quiet = { tenant: "quiet", token: await seedTenant(db, kv, "quiet") };
  const noisy = { tenant: "noisy", token: await seedTenant(db, kv, "noisy") };
  // The same flood from a tenant whose own limit is lifted: what the limiter saves the quiet one.
  const lifted = { tenant: "lifted", token: await seedTenant(db, kv, "lifted") };
  // The quiet tenant's own limit is lifted too: at a low --rate its requests would otherwise wait
  // for their own slots, and what is measured here is what its neighbour costs it.
  for (const tenant of ["quiet", "lifted"]) {
    await (
      db
        .prepare(
          "INSERT INTO tenant_settings (tenant_id, allowed_domains, delete_mode, groups_enabled, rate_limit_per_second, updated_at) VALUES (?, '[]', 'hard', 1, 1000000, ?)",
        )
        .bind(tenant, new Date().toISOString()) as { run(): Promise<unknown> }
    ).run();
  }
  await seedUsers(db, "quiet", Number(values.users), "q");
  // "beside" is the floor's neighbour: its own users, so its creates never land in the tenant the
  // later cases use.
  for (const tenant of ["noisy", "lifted", "beside"]) await seedUsers(db, tenant, Number(values.users), "n");
  return {
    tenantFetch: worker.tenantFetch,
    quietTarget: String(worker.port),
    quiet,
    noisy,
    lifted,
    floor: true,
    async dispose() {
      await worker.dispose();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

const service = values.origin ? deployed(values.origin) : await local();

try {
  const { quiet, noisy, lifted } = service;
  const get = (tenant: string, token: string, path: string) =>
    service.tenantFetch(tenant, path, { headers: { Authorization: `Bearer ${token}` } }).then(async (r) => {
      await r.arrayBuffer();
      return r.status;
    });
  const pace = Number(values.interval);
  const quietClient = fileURLToPath(new URL("./quiet-client.ts", import.meta.url));
  /** `seed` draws the random gaps between the quiet tenant's requests: each case of a round gets the same. */
  async function quietRun(seed: number): Promise<number[]> {
    const { stdout } = await run(process.execPath, [
      "--experimental-strip-types",
      "--disable-warning=ExperimentalWarning",
      quietClient,
      service.quietTarget,
      quiet.tenant,
      quiet.token,
      String(samples),
      String(pace),
      String(seed),
    ]);
    return JSON.parse(stdout) as number[];
  }

  const statuses = new Map<number, number>();
  let flooding = false;
  // `tenant` is a host's first labels: "beside.floor" is the floor Worker serving tenant "beside".
  const floodRequest = (tenant: string, token: string, i: number, lane: number) =>
    i % 2 === 0
      ? get(tenant, token, `/scim/v2/Users?filter=${encodeURIComponent(`userName eq "n-${1 + (i % 10000)}@bench.test"`)}`)
      : service
          .tenantFetch(tenant, "/scim/v2/Users", {
            method: "POST",
            headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/scim+json" },
            body: JSON.stringify({ userName: `flood-${lane}-${i}-${Math.random()}@bench.test`, active: true }),
          })
          .then(async (r) => {
            await r.arrayBuffer();
            return r.status;
          });
  const count = (status: number) => statuses.set(status, (statuses.get(status) ?? 0) + 1);

  async function floodLoop(tenant: string, token: string, lane: number) {
    for (let i = lane; flooding; i += floodConcurrency) count(await floodRequest(tenant, token, i, lane));
  }

  // The neighbour within its limit: one request every 1000/rate ms, whatever the answers take.
  async function steadyLoop(send: (i: number) => Promise<number>) {
    const every = 1000 / Number(values.rate);
    const pending: Promise<void>[] = [];
    for (let i = 0; flooding; i++) {
      const started = performance.now();
      pending.push(send(i).then((status) => void count(status)));
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, every - (performance.now() - started))));
    }
    await Promise.all(pending);
  }

  async function beside(seed: number, neighbour: () => Promise<unknown>[]) {
    flooding = true;
    const loops = neighbour();
    const latencies = await quietRun(seed);
    flooding = false;
    await Promise.all(loops);
    return latencies;
  }

  const answers = new Map<string, Map<number, number>>();
  const noted = (label: string) => {
    const total = answers.get(label) ?? new Map<number, number>();
    for (const [status, n] of statuses) total.set(status, (total.get(status) ?? 0) + n);
    answers.set(label, total);
    statuses.clear();
  };
  const LABEL = {
    alone: "alone",
    ceiling: `beside GET /health (no binding) at ${values.rate} requests/s`,
    floor: `beside the floor's bare D1 statements at ${values.rate} requests/s`,
    steady: `beside "${noisy.tenant}" at its limit (${values.rate} requests/s)`,
    limited: `"${noisy.tenant}" floods (${floodConcurrency} in flight), limited`,
    lifted: `"${noisy.tenant}" floods (${floodConcurrency} in flight), its limit lifted`,
  } as const;
  const latencies: Record<keyof typeof LABEL, number[]> = { alone: [], ceiling: [], floor: [], steady: [], limited: [], lifted: [] };
  // Each round's p95 against alone's in the same round: how far one run's figures can drift.
  const byRound: Record<"ceiling" | "floor" | "steady" | "limited", number[]> = { ceiling: [], floor: [], steady: [], limited: [] };

  type Case = "alone" | keyof typeof byRound;
  const neighbours: Record<Case, () => Promise<unknown>[]> = {
    alone: () => [],
    ceiling: () => [steadyLoop(() => get(noisy.tenant, "unused", "/health"))],
    floor: () => [steadyLoop((i) => floodRequest("beside.floor", "unused", i, 0))],
    steady: () => [steadyLoop((i) => floodRequest(noisy.tenant, noisy.token, i, 0))],
    limited: () => Array.from({ length: floodConcurrency }, (_, lane) => floodLoop(noisy.tenant, noisy.token, lane)),
  };
  // A deployment has no floor Worker beside it.
  const order = (Object.keys(neighbours) as Case[]).filter((name) => name !== "floor" || service.floor);

  await timed(() => quietRun(0)); // warm-up
  for (let r = 1; r <= rounds; r++) {
    // Each round starts one case later, so no case always follows the same one: the flood leaves
    // rows and pages behind it, and the machine drifts within a round.
    const round = new Map<Case, number[]>();
    for (let k = 0; k < order.length; k++) {
      const name = order[(r - 1 + k) % order.length];
      const quiet = await beside(r, neighbours[name]);
      if (name !== "alone") noted(LABEL[name]);
      latencies[name].push(...quiet);
      round.set(name, quiet);
    }
    const aloneP95 = summarise(round.get("alone")!).p95;
    for (const name of order) if (name !== "alone") byRound[name].push(summarise(round.get(name)!).p95 / aloneP95);
  }
  if (lifted) {
    latencies.lifted.push(
      ...(await beside(1, () => Array.from({ length: floodConcurrency }, (_, lane) => floodLoop(lifted.tenant, lifted.token, lane)))),
    );
    noted(LABEL.lifted);
  }

  const summary = Object.fromEntries(Object.entries(latencies).map(([k, v]) => [k, summarise(v)])) as Record<
    keyof typeof LABEL,
    ReturnType<typeof summarise>
  >;
  console.log(
    `\nNoisy neighbour: quiet tenant's user match (${rounds} rounds of ${samples} requests per case, ${pace} ms apart on average, cases in turn), TENANT_RATE_LIMIT=${values.rate}/s\n`,
  );
  console.log(
    table(
      ["quiet tenant", "requests", "p50", "p95", "p99", "neighbour's answers"],
      (Object.keys(LABEL) as (keyof typeof LABEL)[])
        .filter((k) => summary[k].n > 0)
        .map((k) => [
          LABEL[k],
          summary[k].n,
          ms(summary[k].p50),
          ms(summary[k].p95),
          ms(summary[k].p99),
          [...(answers.get(LABEL[k]) ?? [])]
            .sort(([a], [b]) => a - b)
            .map(([s, n]) => `${s}: ${n}`)
            .join(", "),
        ]),
    ),
  );
  const ratio = summary.limited.p95 / summary.alone.p95;
  console.log(`\nQuiet p95 under a limited flood / alone: ${ratio.toFixed(2)}x (target <= 1.20x: ${ratio <= 1.2 ? "met" : "NOT met"}).`);
  console.log(
    `Quiet p95 under a limited flood / beside the same neighbour within its limit: ${(summary.limited.p95 / summary.steady.p95).toFixed(2)}x.`,
  );
  console.log(
    `Quiet p95 beside GET /health at ${values.rate} requests/s / alone: ${(summary.ceiling.p95 / summary.alone.p95).toFixed(2)}x (the harness's least share).`,
  );
  if (service.floor) {
    console.log(
      `Quiet p95 beside the floor at ${values.rate} requests/s / alone: ${(summary.floor.p95 / summary.alone.p95).toFixed(2)}x (the harness's own share).`,
    );
    // Issue 15's restated target: what scim-edge adds over bare D1 statements sent by the same neighbour.
    const share = summary.steady.p95 / summary.floor.p95;
    console.log(
      `scim-edge's share: quiet p95 beside "${noisy.tenant}" at its limit / beside the floor at that rate: ${share.toFixed(2)}x (target <= 1.10x: ${share <= 1.1 ? "met" : "NOT met"}).`,
    );
    console.log(
      `Quiet p95 under a limited flood / beside the floor at that rate: ${(summary.limited.p95 / summary.floor.p95).toFixed(2)}x.`,
    );
  }
  if (lifted) console.log(`Quiet p95 under an unlimited flood / alone: ${(summary.lifted.p95 / summary.alone.p95).toFixed(2)}x.`);
  const rounded = (ratios: number[]) => ratios.map((x) => `${x.toFixed(2)}x`).join(", ");
  const rows = [
    ["/health", byRound.ceiling],
    ["floor", byRound.floor],
    ["at its limit", byRound.steady],
    ["limited flood", byRound.limited],
  ] as const;
  const perRound = rows
    .filter(([, ratios]) => ratios.length > 0)
    .map(([label, ratios]) => `${label} ${rounded(ratios)}`)
    .join("; ");
  console.log(`\nRound by round, quiet p95 / alone's in the same round: ${perRound}.`);
} finally {
  await service.dispose();
}
