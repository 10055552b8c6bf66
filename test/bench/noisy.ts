// Noisy-neighbour benchmark (issue 6): does one tenant flooding the service raise another tenant's
// latency? A quiet tenant sends Entra's user match one request at a time, alone and then while a
// noisy tenant floods with matches and creates far above its rate: once with the per-tenant limit
// answering the flood with 429s, once with the noisy tenant's limit lifted (its own setting), so
// the limit's effect is measured in one run. Target: the quiet tenant's p95 within 1.2x of alone.
//
//   npm run bench:noisy [-- --samples 600 --flood 16 --rate 100 --interval 30]

import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { runWrangler } from "../../src/cli/wrangler.ts";
import { printWorkerErrors, serveWorker } from "../harness/serve-worker.ts";
import { seedTenant, seedUsers } from "./seed.ts";
import { ms, summarise, table, timed } from "./stats.ts";

const { values } = parseArgs({
  options: {
    samples: { type: "string", default: "600" },
    flood: { type: "string", default: "16" },
    rate: { type: "string", default: "100" },
    users: { type: "string", default: "10000" },
    // The quiet tenant's pace: one request every this many ms, well under any tenant's rate.
    interval: { type: "string", default: "30" },
  },
});
const samples = Number(values.samples);
const floodConcurrency = Number(values.flood);

const dir = await mkdtemp(join(tmpdir(), "scim-edge-noisy-"));
const migrate = await runWrangler(["d1", "migrations", "apply", "DB", "--local", "--persist-to", dir]);
if (migrate.code !== 0) throw new Error(migrate.stderr);
// The deployment's default rate for every tenant, as a real deployment would run.
const worker = await serveWorker({ persistTo: dir, vars: { TENANT_RATE_LIMIT: values.rate }, onWorkerLog: printWorkerErrors });

try {
  const { db, kv } = await worker.bindings();
  const quietToken = await seedTenant(db, kv, "quiet");
  const noisyToken = await seedTenant(db, kv, "noisy");
  // The same flood from a tenant whose own limit is lifted: what the limiter saves the quiet one.
  const liftedToken = await seedTenant(db, kv, "lifted");
  await (db.prepare(
    "INSERT INTO tenant_settings (tenant_id, allowed_domains, delete_mode, groups_enabled, rate_limit_per_second, updated_at) VALUES ('lifted', '[]', 'hard', 1, 1000000, ?)",
  ).bind(new Date().toISOString()) as { run(): Promise<unknown> }).run();
  await seedUsers(db, "quiet", Number(values.users), "q");
  for (const tenant of ["noisy", "lifted"]) await seedUsers(db, tenant, Number(values.users), "n");

  const get = (tenant: string, token: string, path: string) =>
    worker.tenantFetch(tenant, path, { headers: { Authorization: `Bearer ${token}` } }).then(async (r) => {
      await r.arrayBuffer();
      return r.status;
    });
  const match = (i: number) => `/scim/v2/Users?filter=${encodeURIComponent(`userName eq "q-${1 + (i % 10000)}@bench.test"`)}`;

  const pace = Number(values.interval);
  async function quietRun(): Promise<number[]> {
    const latencies: number[] = [];
    for (let i = 0; i < samples; i++) {
      const started = performance.now();
      const status = await get("quiet", quietToken, match(i));
      latencies.push(performance.now() - started);
      if (status !== 200) throw new Error(`quiet tenant got ${status}`);
      const wait = pace - (performance.now() - started);
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    }
    return latencies;
  }

  const statuses = new Map<number, number>();
  let flooding = false;
  async function floodLoop(tenant: string, token: string, worker_: number) {
    let i = worker_;
    while (flooding) {
      const status =
        i % 2 === 0
          ? await get(tenant, token, `/scim/v2/Users?filter=${encodeURIComponent(`userName eq "n-${1 + (i % 10000)}@bench.test"`)}`)
          : await worker
              .tenantFetch(tenant, "/scim/v2/Users", {
                method: "POST",
                headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/scim+json" },
                body: JSON.stringify({ userName: `flood-${worker_}-${i}@bench.test`, active: true }),
              })
              .then(async (r) => (await r.arrayBuffer(), r.status));
      statuses.set(status, (statuses.get(status) ?? 0) + 1);
      i += floodConcurrency;
    }
  }

  async function underFlood(tenant: string, token: string) {
    statuses.clear();
    flooding = true;
    const floods = Array.from({ length: floodConcurrency }, (_, w) => floodLoop(tenant, token, w));
    const result = summarise(await quietRun());
    flooding = false;
    await Promise.all(floods);
    return { result, answers: [...statuses].sort(([a], [b]) => a - b).map(([s, n]) => `${s}: ${n}`).join(", ") };
  }

  await timed(() => quietRun()); // warm-up
  const alone = summarise(await quietRun());
  const limited = await underFlood("noisy", noisyToken);
  const unlimited = await underFlood("lifted", liftedToken);
  const aloneAgain = summarise(await quietRun());

  const baseline = Math.max(alone.p95, aloneAgain.p95);
  console.log(`\nNoisy neighbour: quiet tenant's user match (${samples} requests, one every ${pace} ms), TENANT_RATE_LIMIT=${values.rate}/s\n`);
  const row = (label: string, s: typeof alone) => [label, ms(s.p50), ms(s.p95), ms(s.p99)];
  console.log(
    table(
      ["quiet tenant", "p50", "p95", "p99"],
      [
        row("alone", alone),
        row(`"noisy" floods (${floodConcurrency} in flight), limited`, limited.result),
        row(`"noisy" floods (${floodConcurrency} in flight), its limit lifted`, unlimited.result),
        row("alone again", aloneAgain),
      ],
    ),
  );
  console.log(`\nNoisy tenant's answers, limited: ${limited.answers}; lifted: ${unlimited.answers}`);
  const ratio = limited.result.p95 / baseline;
  console.log(`Quiet p95 under a limited flood / alone: ${ratio.toFixed(2)}x (target <= 1.20x: ${ratio <= 1.2 ? "met" : "NOT met"}); under an unlimited flood: ${(unlimited.result.p95 / baseline).toFixed(2)}x.`);
} finally {
  await worker.dispose();
  await rm(dir, { recursive: true, force: true });
}
