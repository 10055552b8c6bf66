// Webhook delivery benchmark (issue 16): one endpoint on a local Node HTTP receiver, fed by a
// 10,000-user create cycle sent as fast as the client goes (concurrency 16), then by writes at
// Entra's rate (25/s) with the endpoint caught up. Reports the events per second delivered and the
// lag from each event's commit (its `time`, D1's clock) to its arrival at the receiver. The Worker is
// bundled as deployed and served by Miniflare directly; delivery runs in the tenant's writer's alarm.
//
//   npm run bench:webhooks [-- --users 10000 --concurrency 16 --rate 25 --seconds 20]

import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { insertAdminKey } from "../../src/cli/admin-key/sql.ts";
import { runWrangler } from "../../src/cli/wrangler.ts";
import { newAdminKey, newAdminKeyId } from "../../src/lib/admin-keys.ts";
import { sha256Hex } from "../../src/lib/crypto.ts";
import { printWorkerErrors, serveWorker } from "../harness/serve-worker.ts";
import { seedTenant } from "./seed.ts";
import { ms, summarise, table } from "./stats.ts";

const { values } = parseArgs({
  options: {
    users: { type: "string", default: "10000" },
    concurrency: { type: "string", default: "16" },
    rate: { type: "string", default: "25" },
    seconds: { type: "string", default: "20" },
  },
});
const users = Number(values.users);
const concurrency = Number(values.concurrency);
const rate = Number(values.rate);
const seconds = Number(values.seconds);
const TENANT = "hooked";
const log = (line: string) => process.stderr.write(`${line}\n`);

/** seq -> when it arrived (ms since the epoch) and its commit time; duplicates counted apart. */
const arrivals = new Map<number, { at: number; committed: number }>();
let duplicates = 0;
const receiver = createServer((req, res) => {
  let body = "";
  req.setEncoding("utf8").on("data", (chunk: string) => (body += chunk));
  req.on("end", () => {
    const at = Date.now();
    const event = JSON.parse(body) as { seq: number; time: string };
    if (arrivals.has(event.seq)) duplicates++;
    else arrivals.set(event.seq, { at, committed: Date.parse(event.time) });
    res.writeHead(204).end();
  });
});
await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
const receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;

const dir = await mkdtemp(join(tmpdir(), "scim-edge-bench-webhooks-"));
const migrate = await runWrangler(["d1", "migrations", "apply", "DB", "--local", "--persist-to", dir]);
if (migrate.code !== 0) throw new Error(migrate.stderr);
const worker = await serveWorker({
  persistTo: dir,
  vars: { TENANT_RATE_LIMIT: "1000000", WEBHOOK_ALLOW_LOCAL_HTTP: "true" },
  onWorkerLog: printWorkerErrors,
});

/** Resolves once the receiver has every seq up to `seq`. */
async function deliveredThrough(seq: number, timeoutMs = 600_000) {
  const deadline = Date.now() + timeoutMs;
  while (arrivals.size < seq) {
    if (Date.now() > deadline) throw new Error(`only ${arrivals.size} of ${seq} events arrived`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const lagsOf = (from: number, to: number) => {
  const lags: number[] = [];
  for (let seq = from; seq <= to; seq++) {
    const a = arrivals.get(seq);
    if (a) lags.push(a.at - a.committed);
  }
  return summarise(lags);
};

try {
  const { db, kv } = await worker.bindings();
  const token = await seedTenant(db, kv, TENANT);
  const adminKey = newAdminKey();
  await (
    db.prepare(insertAdminKey(newAdminKeyId(), await sha256Hex(adminKey), TENANT, new Date().toISOString())) as { run(): Promise<unknown> }
  ).run();
  const added = await fetch(`${worker.origin}/admin/v1/tenants/${TENANT}/webhooks`, {
    method: "POST",
    headers: { Authorization: `Bearer ${adminKey}`, "Content-Type": "application/json" },
    body: JSON.stringify({ url: receiverUrl }),
  });
  if (added.status !== 201) throw new Error(`webhook add: ${added.status} ${await added.text()}`);

  const scim = async (method: string, path: string, body: unknown) => {
    const response = await worker.tenantFetch(TENANT, `/scim/v2${path}`, {
      method,
      headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/scim+json" },
      body: JSON.stringify(body),
    });
    if (response.status >= 300) throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`);
    return response.json() as Promise<{ id: string }>;
  };
  const createUser = (i: number) =>
    scim("POST", "/Users", {
      schemas: ["urn:ietf:params:scim:schemas:core:2.0:User"],
      userName: `u${i}@contoso.com`,
      displayName: `User ${i}`,
      active: true,
    });

  log(`cycle: creating ${users} users, ${concurrency} at a time, while the webhook delivers`);
  const ids: string[] = [];
  const cycleStart = Date.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < users) ids.push((await createUser(next++)).id);
    }),
  );
  const writesDone = Date.now();
  await deliveredThrough(users);
  const cycleDelivered = Date.now();
  const cycleLag = lagsOf(1, users);

  log(`steady: ${rate} PATCHes/s for ${seconds} s with the endpoint caught up`);
  const steadyFrom = users + 1;
  const steadyCount = rate * seconds;
  const steadyStart = Date.now();
  const pending: Promise<unknown>[] = [];
  for (let i = 0; i < steadyCount; i++) {
    const due = steadyStart + (i * 1000) / rate;
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, due - Date.now())));
    pending.push(
      scim("PATCH", `/Users/${ids[i % ids.length]}`, {
        schemas: ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        Operations: [{ op: "replace", path: "displayName", value: `Renamed ${i}` }],
      }),
    );
  }
  await Promise.all(pending);
  await deliveredThrough(users + steadyCount);
  const steadyLag = lagsOf(steadyFrom, users + steadyCount);

  const perSecond = (n: number, msTaken: number) => `${Math.round((n * 1000) / msTaken)}/s`;
  console.log(`\nWebhook delivery benchmark: one endpoint on a local Node receiver, Miniflare direct\n`);
  console.log(
    table(
      ["phase", "events", "writes", "delivered", "lag p50", "lag p95", "lag p99"],
      [
        [
          `${users}-user create cycle (${concurrency} at a time)`,
          users,
          perSecond(users, writesDone - cycleStart),
          perSecond(users, cycleDelivered - cycleStart),
          ms(cycleLag.p50),
          ms(cycleLag.p95),
          ms(cycleLag.p99),
        ],
        [
          `${rate} writes/s for ${seconds} s, caught up`,
          steadyCount,
          `${rate}/s`,
          "as written",
          ms(steadyLag.p50),
          ms(steadyLag.p95),
          ms(steadyLag.p99),
        ],
      ],
    ),
  );
  console.log(
    `\nThe cycle's last event arrived ${((cycleDelivered - writesDone) / 1000).toFixed(1)} s after its last write. Duplicates: ${duplicates}.`,
  );
} finally {
  await worker.dispose();
  receiver.close();
  await rm(dir, { recursive: true, force: true });
}
