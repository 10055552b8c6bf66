// Where a PATCH /Users costs workerd CPU: the incremental pass of bench:cycle (Entra's attribute
// PATCH, then `active` "False") on one tenant, measured alone, pass after pass, as workerd CPU per
// request (test/bench/cpu.ts). --pass match measures the cycle's reads instead (GET /Users?filter=
// userName eq, half of them matching a user); --request-log off turns the provisioning log off, for
// its A/B (README: Provisioning log). A/B runs of two checkouts of the project, one after the other, show
// what a change saves; --sql runs statements (e.g. DROP TRIGGER ...) before the measured passes;
// --profile writes a CPU profile of the Worker's isolate (the Worker and the tenant's writer) or of
// another of workerd's isolates (--isolate d1:db, local D1's Durable Object) through workerd's inspector.
//
//   npm run bench:profile -- [--users 1500] [--passes 3] [--pass patch|match] [--request-log on|off] [--cold]
//     [--sql "DROP TRIGGER ..."] [--profile /tmp/p.cpuprofile]
//
// Profiles show which code runs, not what a request costs: samples taken while workerd's one thread
// runs another isolate land on whatever this isolate last ran (a D1 client's `toJson`, say).

import { rm, writeFile } from "node:fs/promises";
import { parseArgs } from "node:util";
import { printWorkerErrors, serveWorker } from "../harness/serve-worker.ts";
import { childCpuMeter } from "./cpu.ts";
import { migratedState, seedTenant, seedUsers } from "./seed.ts";

const { values } = parseArgs({
  options: {
    users: { type: "string", default: "1500" },
    passes: { type: "string", default: "3" },
    pass: { type: "string", default: "patch" },
    "request-log": { type: "string", default: "on" },
    cold: { type: "boolean", default: false },
    sql: { type: "string", multiple: true, default: [] },
    profile: { type: "string" },
    isolate: { type: "string", default: "core:user:scim-edge" },
    "inspector-port": { type: "string", default: "9341" },
    "interval-us": { type: "string", default: "100" },
  },
});
if (values.pass !== "patch" && values.pass !== "match") throw new Error("--pass must be patch or match");
if (values["request-log"] !== "on" && values["request-log"] !== "off") throw new Error("--request-log must be on or off");
const users = Number(values.users);
const inspectorPort = Number(values["inspector-port"]);
const PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
const ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

const dir = await migratedState("scim-edge-bench-profile-");
const worker = await serveWorker({
  persistTo: dir,
  vars: { TENANT_RATE_LIMIT: "1000000", REQUEST_LOG: values["request-log"] },
  onWorkerLog: printWorkerErrors,
  ...(values.profile ? { inspectorPort } : {}),
});
const serverCpu = childCpuMeter("workerd");
const { db, kv } = await worker.bindings();
const tenant = "profile";
const token = await seedTenant(db, kv, tenant);
await seedUsers(db, tenant, users, "u");
const ids = Array.from({ length: users }, (_, i) => `u-${i + 1}`);

async function patch(id: string, operations: unknown[]) {
  const response = await worker.tenantFetch(tenant, `/scim/v2/Users/${id}`, {
    method: "PATCH",
    headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/scim+json" },
    body: JSON.stringify({ schemas: [PATCH_OP], Operations: operations }),
  });
  const text = await response.text();
  if (response.status !== 200) throw new Error(`PATCH /Users/${id}: ${response.status} ${text}`);
}

/** bench:cycle's incremental pass: 16 users at a time, each its attribute PATCH then its `active` one. */
async function incrementalPass(pass: string) {
  let next = 0;
  const lane = async () => {
    for (let i = next++; i < users; i = next++) {
      await patch(ids[i], [
        { op: "Replace", path: 'emails[type eq "work"].value', value: `new.${ids[i]}@bench.test` },
        { op: "Replace", path: "name.familyName", value: `${pass}${i}` },
        { op: "Replace", path: `${ENTERPRISE}:employeeNumber`, value: `E${i}-${pass}` },
        { op: "Add", path: "nickName", value: "Babs" },
      ]);
      await patch(ids[i], [{ op: "Replace", path: "active", value: "False" }]);
    }
  };
  await Promise.all(Array.from({ length: 16 }, lane));
}

/** A client of workerd's inspector (Chrome DevTools protocol) attached to the isolate named `isolate`. */
async function inspect(isolate: string) {
  const targets = (await (await fetch(`http://127.0.0.1:${inspectorPort}/json/list`)).json()) as {
    title: string;
    webSocketDebuggerUrl: string;
  }[];
  const target = targets.find((t) => t.title.endsWith(` ${isolate}`));
  if (!target) throw new Error(`no isolate ${isolate} among ${targets.map((t) => t.title).join(", ")}`);
  const socket = new WebSocket(target.webSocketDebuggerUrl);
  await new Promise((resolve, reject) => {
    socket.onopen = resolve;
    socket.onerror = reject;
  });
  let lastId = 0;
  const pending = new Map<number, (result: unknown) => void>();
  socket.onmessage = (message) => {
    const { id, result, error } = JSON.parse(String(message.data)) as { id?: number; result?: unknown; error?: unknown };
    if (id !== undefined) pending.get(id)?.(result ?? error);
  };
  return {
    call: (method: string, params: Record<string, unknown> = {}) =>
      new Promise<unknown>((resolve) => {
        pending.set(++lastId, resolve);
        socket.send(JSON.stringify({ id: lastId, method, params }));
      }),
    close: () => socket.close(),
  };
}

/** bench:cycle's match requests, 16 at a time: each user's userName, then one no user has. */
async function matchPass(pass: string) {
  let next = 0;
  const lane = async () => {
    for (let i = next++; i < users; i = next++) {
      for (const userName of [`${ids[i]}@bench.test`, `${pass}-${ids[i]}@nobody.test`]) {
        const filter = encodeURIComponent(`userName eq "${userName}"`);
        const response = await worker.tenantFetch(tenant, `/scim/v2/Users?filter=${filter}`, {
          headers: { Authorization: `Bearer ${token}` },
        });
        const text = await response.text();
        if (response.status !== 200) throw new Error(`GET /Users?filter: ${response.status} ${text}`);
      }
    }
  };
  await Promise.all(Array.from({ length: 16 }, lane));
}
const measuredPass = values.pass === "patch" ? incrementalPass : matchPass;

// The writer's memory filled as after the create pass (or, with --cold, dropped before each pass).
await measuredPass("Warmup");
for (const statement of values.sql) await db.exec(statement);
const inspector = values.profile ? await inspect(values.isolate) : undefined;
await inspector?.call("Profiler.enable");
await inspector?.call("Profiler.setSamplingInterval", { interval: Number(values["interval-us"]) });
await inspector?.call("Profiler.start");
const perRequest: number[] = [];
for (let pass = 0; pass < Number(values.passes); pass++) {
  if (values.cold) await worker.evictDurableObject("TenantWriter", tenant);
  const before = serverCpu?.() ?? 0;
  await measuredPass(`P${pass}`);
  // The provisioning log's last buffered rows are written 200 ms after their request: count them in.
  await new Promise((resolve) => setTimeout(resolve, 300));
  perRequest.push((((serverCpu?.() ?? 0) - before) / (users * 2)) * 1000);
}
const stopped = (await inspector?.call("Profiler.stop")) as { profile: unknown } | undefined;
if (values.profile && stopped) await writeFile(values.profile, JSON.stringify(stopped.profile));
inspector?.close();
const median = [...perRequest].sort((a, b) => a - b)[Math.floor(perRequest.length / 2)];
process.stdout.write(
  `workerd CPU per request, ${values.cold ? "writer cold" : "writer warm"}: ${perRequest.map((ms) => `${ms.toFixed(3)} ms`).join(", ")}; median ${median.toFixed(3)} ms\n`,
);
await worker.dispose();
await rm(dir, { recursive: true, force: true });
