// Entra provisioning-cycle benchmark (issue 6): an initial cycle (match then create every user;
// match, create and fill every group) and an incremental pass (attribute and `active` PATCHes),
// sent the way Entra sends them, against the Worker bundled as deployed and served by Miniflare
// directly. Beside it, in the same runtime and run: the harness ceiling (GET /health, no bindings)
// and the floor (test/bench/floor-worker.ts: the same requests answered with one bare D1 statement
// each, on the same tables). Then a scale curve (latency on tenants of 1,000 to 100,000 users) and
// several tenants at once.
//
//   npm run bench:cycle [-- --users 10000 --groups 200 --members 50 --concurrency 16 --tenants 8]
//
// --request-log off: the provisioning log records nothing (default on, as deployed), for its A/B.
// --cold: after the incremental pass, every tenant's writer is evicted (production evicts it in
// the ~40 minutes between Entra's create pass and its incremental pass), then a second incremental
// pass runs on the cold writers. --d1-latency <ms>: scim-edge and the floor are served on a model of
// a deployed D1 (test/bench/workers/d1-model.ts) in which every round trip waits <ms> and is
// counted; the report adds each request kind's round trips and each tenant's sustained write rate
// through its writer at 5, 20 and 50 ms (0 counts round trips without delaying them). A tenant's
// writes then take tens of ms each, one at a time, so run it on reduced sizes:
//
//   npm run bench:cycle -- --users 1000 --groups 20 --tenants 2 --scale 1000 --samples 50 --cold --d1-latency 20
//     [--rate-seconds 3 --rate-writers 16 --rate-tenants 2]

import { randomUUID } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { runWrangler } from "../../src/cli/wrangler.ts";
import { type D1Like, type KvLike, printWorkerErrors, serveWorker } from "../harness/serve-worker.ts";
import { seedTenant, seedUsers } from "./seed.ts";
import { childCpuMeter, machineBusySeconds } from "./cpu.ts";
import { ms, summarise, table, timed } from "./stats.ts";

const started = performance.now();
const { values } = parseArgs({
  options: {
    users: { type: "string", default: "10000" },
    groups: { type: "string", default: "200" },
    members: { type: "string", default: "50" },
    concurrency: { type: "string", default: "16" },
    tenants: { type: "string", default: "8" },
    // Scale curve: tenant sizes and sequential samples per size and request kind.
    scale: { type: "string", default: "1000,10000,100000" },
    samples: { type: "string", default: "300" },
    // GET /health requests for the ceiling.
    "ceiling-requests": { type: "string", default: "5000" },
    cold: { type: "boolean", default: false },
    "d1-latency": { type: "string" },
    // The write-rate step: seconds per latency, PATCHes in flight per tenant, and tenants at once
    // (few: on workerd's one thread many tenants' writes would measure its CPU, not the model).
    "rate-seconds": { type: "string", default: "3" },
    "rate-writers": { type: "string", default: "16" },
    "rate-tenants": { type: "string", default: "2" },
    // The provisioning log's cost (README: Provisioning log): run once with "on" and once with "off".
    "request-log": { type: "string", default: "on" },
  },
});
if (values["request-log"] !== "on" && values["request-log"] !== "off") throw new Error("--request-log must be on or off");
const size: CycleSize = {
  users: Number(values.users),
  groups: Number(values.groups),
  members: Number(values.members),
  concurrency: Number(values.concurrency),
};
const tenantCount = Number(values.tenants);
const scaleSizes = values.scale.split(",").map(Number);
const samples = Number(values.samples);
const ceilingRequests = Number(values["ceiling-requests"]);
const cold = values.cold;
// Served on the D1 model (round trips delayed and counted) only when asked: otherwise as deployed.
const d1Latency = values["d1-latency"] === undefined ? undefined : Number(values["d1-latency"]);
const modelled = d1Latency !== undefined;
const RATE_LATENCIES = [5, 20, 50];
const rateSeconds = Number(values["rate-seconds"]);
const rateWriters = Number(values["rate-writers"]);
const rateTenants = Number(values["rate-tenants"]);

// Entra sends `Add members` in batches; 25 per PATCH here (issue 6).
const MEMBERS_PER_PATCH = 25;
const PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
const ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

interface CycleSize {
  users: number;
  groups: number;
  members: number;
  concurrency: number;
}

/** Where a cycle's requests go: a tenant host of scim-edge, or of the floor Worker. */
interface Target {
  host: string;
  token: string;
}

interface Failure {
  request: string;
  status: number | string;
  body: string;
}

/** Round trips of one request, or a count of them: D1 calls, and calls into the tenant's writer. */
interface Trips {
  d1: number;
  rpc: number;
}

/** Latencies and failures of one run, per request kind. */
class Run {
  readonly latencies = new Map<string, number[]>();
  readonly failures = new Map<string, Failure[]>();
  requests = 0;
  readonly cost: Cost = { seconds: 0, serverCpu: 0, clientCpu: 0 };
  /** Requests, seconds and workerd CPU seconds per phase of the cycle (initial cycle, incremental pass, ...). */
  readonly phases = new Map<string, { requests: number; seconds: number; serverCpu: number }>();
  /** Each request's round trips per kind, when `countTrips` (one request at a time, on the D1 model). */
  readonly trips = new Map<string, Trips[]>();

  readonly countTrips: boolean;

  constructor(countTrips = false) {
    this.countTrips = countTrips;
  }

  record(kind: string, latency: number) {
    this.requests++;
    const list = this.latencies.get(kind) ?? [];
    list.push(latency);
    this.latencies.set(kind, list);
  }

  fail(kind: string, failure: Failure) {
    const list = this.failures.get(kind) ?? [];
    list.push(failure);
    this.failures.set(kind, list);
  }

  get errors() {
    return [...this.failures.values()].reduce((n, list) => n + list.length, 0);
  }

  get rate() {
    return this.requests / this.cost.seconds;
  }

  errorsOf(kind: string) {
    return this.failures.get(kind)?.length ?? 0;
  }

  /** Times the run's requests made by `work` as a whole, for its requests/s and CPU per request. */
  async time(work: () => Promise<unknown>, phase?: string) {
    const before = this.requests;
    const cost = await measure(work);
    this.cost.seconds += cost.seconds;
    this.cost.serverCpu += cost.serverCpu;
    this.cost.clientCpu += cost.clientCpu;
    if (phase === undefined) return;
    const total = this.phases.get(phase) ?? { requests: 0, seconds: 0, serverCpu: 0 };
    total.requests += this.requests - before;
    total.seconds += cost.seconds;
    total.serverCpu += cost.serverCpu;
    this.phases.set(phase, total);
  }

  /** The phases' requests, seconds and workerd CPU seconds added up. */
  private totalOf(phases: string[]) {
    const all = phases.map((phase) => this.phases.get(phase) ?? { requests: 0, seconds: 0, serverCpu: 0 });
    return all.reduce((sum, p) => ({
      requests: sum.requests + p.requests,
      seconds: sum.seconds + p.seconds,
      serverCpu: sum.serverCpu + p.serverCpu,
    }));
  }

  rateOf(...phases: string[]) {
    const total = this.totalOf(phases);
    return total.requests / total.seconds;
  }

  /** workerd CPU seconds per request in `phases`: steadier than req/s when other work shares the cores. */
  cpuOf(...phases: string[]) {
    const total = this.totalOf(phases);
    return total.serverCpu / total.requests;
  }
}

const KIND = {
  userMatch: "GET /Users?filter=userName eq (no match)",
  userCreate: "POST /Users",
  groupMatch: "GET /Groups?excludedAttributes=members&filter=displayName eq",
  groupCreate: "POST /Groups (empty)",
  groupMembers: `PATCH /Groups/{id} Add ${MEMBERS_PER_PATCH} members`,
  userPatch: "PATCH /Users/{id} attributes",
  userDisable: 'PATCH /Users/{id} active "False"',
  userPatchCold: "PATCH /Users/{id} attributes, writer cold",
  userDisableCold: 'PATCH /Users/{id} active "False" after it, writer cold',
} as const;

const PHASE = {
  initial: "initial cycle",
  incremental: "incremental pass",
  evict: "evict the writers",
  cold: "incremental pass, writer cold",
} as const;

/** One step of a cycle: requests of one phase, or the writers' eviction between two phases. */
interface Step {
  phase: string;
  work: () => Promise<void>;
}

const dir = await mkdtemp(join(tmpdir(), "scim-edge-bench-cycle-"));
const log = (line: string) => process.stderr.write(`[${((performance.now() - started) / 1000).toFixed(0)} s] ${line}\n`);
const migrate = await runWrangler(["d1", "migrations", "apply", "DB", "--local", "--persist-to", dir]);
if (migrate.code !== 0) throw new Error(migrate.stderr);
const benchModule = (name: string) => fileURLToPath(new URL(name, import.meta.url));
const worker = await serveWorker({
  persistTo: dir,
  ...(modelled ? { entry: benchModule("./workers/scim-edge.ts") } : {}),
  // The deployment's per-tenant limit (TENANT_RATE_LIMIT, 200/s) would answer 429 above it and cap
  // what is measured; the limiter's own cost is still paid on every request.
  vars: { TENANT_RATE_LIMIT: "1000000", REQUEST_LOG: values["request-log"] },
  extraWorkers: [
    { name: "floor", entry: benchModule(modelled ? "./workers/floor.ts" : "./floor-worker.ts"), routes: ["*.floor.localhost/*"] },
  ],
  // workerd still writes the Worker's request log lines (their cost is measured, as deployed).
  onWorkerLog: printWorkerErrors,
});
const serverCpu = childCpuMeter("workerd");

interface Cost {
  seconds: number;
  /** CPU seconds of workerd (the server side) and of this client. */
  serverCpu: number;
  clientCpu: number;
}

async function measure(work: () => Promise<unknown>): Promise<Cost> {
  const server = serverCpu?.() ?? 0;
  const client = process.cpuUsage();
  const seconds = (await timed(work)) / 1000;
  const used = process.cpuUsage(client);
  return { seconds, serverCpu: (serverCpu?.() ?? 0) - server, clientCpu: (used.user + used.system) / 1e6 };
}

/**
 * One request of the cycle. Any answer but the one Entra expects is an error of its kind, kept
 * with its request, status and body; the parsed body is returned when it went as expected.
 */
async function send(
  run: Run,
  target: Target,
  kind: string,
  method: string,
  path: string,
  body: unknown,
  expected: number[],
): Promise<Record<string, unknown> | undefined> {
  const headers: Record<string, string> = { Authorization: `Bearer ${target.token}` };
  if (body !== undefined) headers["Content-Type"] = "application/scim+json";
  const before = run.countTrips ? await d1Model(target.host) : undefined;
  const start = performance.now();
  let status: number | string;
  let text: string;
  try {
    const response = await worker.tenantFetch(target.host, path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    status = response.status;
    text = await response.text();
  } catch (error) {
    status = "network error";
    text = String(error);
  }
  run.record(kind, performance.now() - start);
  if (before) {
    const after = await d1Model(target.host);
    run.trips.set(kind, [...(run.trips.get(kind) ?? []), { d1: after.d1 - before.d1, rpc: after.rpc - before.rpc }]);
  }
  if (typeof status === "number" && expected.includes(status)) {
    // Bodies are SCIM JSON, except /health's "ok" and the empty 204s. Entra counts an unreadable
    // body as a failure, and so does this.
    try {
      return text.startsWith("{") ? (JSON.parse(text) as Record<string, unknown>) : {};
    } catch {
      status = `${status} with unreadable JSON`;
    }
  }
  run.fail(kind, { request: `${method} ${decodeURIComponent(path)}`, status, body: text.slice(0, 300) });
  return undefined;
}

/**
 * The D1 model's state in the Worker serving `host` (scim-edge's or the floor's isolate), after
 * setting its latency if `latency` is given.
 */
async function d1Model(host: string, latency?: number): Promise<Trips & { latencyMs: number }> {
  const query = latency === undefined ? "" : `?latency=${latency}`;
  const response = await worker.tenantFetch(host, `/__bench/model${query}`, { method: latency === undefined ? "GET" : "POST" });
  if (response.status !== 200) throw new Error(`/__bench/model on ${host}: ${response.status} ${await response.text()}`);
  return (await response.json()) as Trips & { latencyMs: number };
}

/** `count` tasks, `concurrency` at a time, each a sequence of dependent requests (as Entra runs them). */
async function pool(count: number, concurrency: number, work: (i: number) => Promise<void>) {
  let next = 0;
  const lane = async () => {
    while (next < count) await work(next++);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, lane));
}

/** Entra's match before a create: 200 with an empty list, or it would not create (or would loop on 409). */
async function matchesNothing(run: Run, target: Target, kind: string, path: string): Promise<boolean> {
  const list = await send(run, target, kind, "GET", path, undefined, [200]);
  if (list === undefined) return false;
  if (list.totalResults === 0) return true;
  run.fail(kind, {
    request: `GET ${decodeURIComponent(path)}`,
    status: 200,
    body: `totalResults ${String(list.totalResults)} before any create`,
  });
  return false;
}

const userName = (tenant: string, i: number) => `user${i}@${tenant}.contoso.test`;

// Users per slice of the one-tenant run's user phases: the floor, scim-edge and the several
// tenants take turns slice by slice.
const SLICE = 1000;

/** 0 ... count in slices of `slice`, as [start, end) pairs. */
function slices(count: number, slice: number): [number, number][] {
  return Array.from({ length: Math.ceil(count / slice) }, (_, k) => [k * slice, Math.min(count, (k + 1) * slice)]);
}

/**
 * The cycle Entra runs on a newly assigned app, then one incremental pass over every user, as a
 * list of steps to run in order: the users' matches and creates slice by slice, the groups, and
 * the PATCH pass slice by slice. With `evict` (--cold), the writer is evicted after that pass and a
 * second one follows, with new values, as Entra's next pass finds it in production.
 */
function cycleSteps(run: Run, target: Target, tenant: string, s: CycleSize, slice = SLICE, evict?: () => Promise<void>): Step[] {
  const userIds: (string | undefined)[] = new Array(s.users);
  const createUsers =
    ([start, end]: [number, number]) =>
    () =>
      pool(end - start, s.concurrency, async (k) => {
        const i = start + k;
        const name = userName(tenant, i);
        if (!(await matchesNothing(run, target, KIND.userMatch, `/scim/v2/Users?filter=${encodeURIComponent(`userName eq "${name}"`)}`)))
          return;
        const created = await send(
          run,
          target,
          KIND.userCreate,
          "POST",
          "/scim/v2/Users",
          {
            schemas: ["urn:ietf:params:scim:schemas:core:2.0:User", ENTERPRISE],
            externalId: randomUUID(),
            userName: name,
            active: true,
            emails: [{ primary: true, type: "work", value: name }],
            meta: { resourceType: "User" },
            name: { formatted: `Given${i} Family${i}`, familyName: `Family${i}`, givenName: `Given${i}` },
            roles: [],
          },
          [201],
        );
        userIds[i] = created?.id as string | undefined;
      });

  const createGroups = () =>
    pool(s.groups, s.concurrency, async (g) => {
      const displayName = `${tenant} group ${g}`;
      const filter = encodeURIComponent(`displayName eq "${displayName}"`);
      if (!(await matchesNothing(run, target, KIND.groupMatch, `/scim/v2/Groups?excludedAttributes=members&filter=${filter}`))) return;
      const created = await send(
        run,
        target,
        KIND.groupCreate,
        "POST",
        "/scim/v2/Groups",
        {
          schemas: [
            "urn:ietf:params:scim:schemas:core:2.0:Group",
            "http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group",
          ],
          externalId: randomUUID(),
          displayName,
          meta: { resourceType: "Group" },
        },
        [201],
      );
      if (!created) return;
      const members = Array.from({ length: s.members }, (_, k) => userIds[(g * s.members + k) % s.users]).filter((id) => id !== undefined);
      for (let k = 0; k < members.length; k += MEMBERS_PER_PATCH) {
        const value = members.slice(k, k + MEMBERS_PER_PATCH).map((id) => ({ $ref: null, value: id }));
        await send(
          run,
          target,
          KIND.groupMembers,
          "PATCH",
          `/scim/v2/Groups/${created.id}`,
          {
            schemas: [PATCH_OP],
            Operations: [{ op: "Add", path: "members", value }],
          },
          [200, 204],
        );
      }
    });

  const patchUsers =
    (pass: "Renamed" | "Cold", kinds: { attributes: string; active: string }) =>
    ([start, end]: [number, number]) =>
    () =>
      pool(end - start, s.concurrency, async (k) => {
        const i = start + k;
        const id = userIds[i];
        if (id === undefined) return;
        await send(
          run,
          target,
          kinds.attributes,
          "PATCH",
          `/scim/v2/Users/${id}`,
          {
            schemas: [PATCH_OP],
            Operations: [
              { op: "Replace", path: 'emails[type eq "work"].value', value: `new.${userName(tenant, i)}` },
              { op: "Replace", path: "name.familyName", value: `${pass}${i}` },
              { op: "Replace", path: `${ENTERPRISE}:employeeNumber`, value: `E${i}-${pass}` },
              { op: "Add", path: "nickName", value: "Babs" },
            ],
          },
          [200, 204],
        );
        await send(
          run,
          target,
          kinds.active,
          "PATCH",
          `/scim/v2/Users/${id}`,
          {
            schemas: [PATCH_OP],
            Operations: [{ op: "Replace", path: "active", value: "False" }],
          },
          [200, 204],
        );
      });

  const step = (phase: string) => (work: () => Promise<void>) => ({ phase, work });
  const userSlices = slices(s.users, slice);
  const steps = [
    ...userSlices.map(createUsers).map(step(PHASE.initial)),
    step(PHASE.initial)(createGroups),
    ...userSlices.map(patchUsers("Renamed", { attributes: KIND.userPatch, active: KIND.userDisable })).map(step(PHASE.incremental)),
  ];
  if (!evict) return steps;
  return [
    ...steps,
    step(PHASE.evict)(evict),
    ...userSlices.map(patchUsers("Cold", { attributes: KIND.userPatchCold, active: KIND.userDisableCold })).map(step(PHASE.cold)),
  ];
}

/**
 * `tenant`'s writer dropped from memory. workerd may have evicted it already, idle while the other
 * runs took their turns (as production does, sooner): then there is nothing left to drop.
 */
async function evictWriter(tenant: string) {
  try {
    await worker.evictDurableObject("TenantWriter", tenant);
  } catch (error) {
    if (!String((error as Error).message).includes("not currently running")) throw error;
  }
}

/** With --cold: the eviction step of `tenant`'s writer (the floor passes undefined: it keeps no memory). */
const evictionOf = (tenant: string | undefined) =>
  cold ? () => (tenant === undefined ? Promise.resolve() : evictWriter(tenant)) : undefined;

/** Runs a step of `run`: its requests timed into its phase; an eviction untimed, being no request. */
async function runStep(run: Run, step: Step | undefined) {
  if (step?.phase === PHASE.evict) await step.work();
  else if (step) await run.time(step.work, step.phase);
}

interface Stored {
  users: number;
  duplicateUsers: number;
  groups: number;
  duplicateGroups: number;
  memberships: number;
  updated: number;
  disabled: number;
}

/** What the tenant holds after a cycle, counted in SQL: duplicates and lost updates show here. */
async function verify(db: D1Like, tenant: string): Promise<Stored> {
  const { results } = await db
    .prepare(
      `SELECT (SELECT COUNT(*) FROM users WHERE tenant_id = ?1) AS users,
              (SELECT COUNT(*) - COUNT(DISTINCT lower(user_name)) FROM users WHERE tenant_id = ?1) AS duplicateUsers,
              (SELECT COUNT(*) FROM groups WHERE tenant_id = ?1) AS groups,
              (SELECT COUNT(*) - COUNT(DISTINCT lower(display_name)) FROM groups WHERE tenant_id = ?1) AS duplicateGroups,
              (SELECT COUNT(*) FROM group_members WHERE tenant_id = ?1) AS memberships,
              (SELECT COUNT(*) FROM users WHERE tenant_id = ?1 AND json_extract(data, '$.nickName') = 'Babs') AS updated,
              (SELECT COUNT(*) FROM users WHERE tenant_id = ?1 AND active = 0) AS disabled`,
    )
    .bind(tenant)
    .all<Stored>();
  return results[0];
}

/**
 * Each cycle request kind's round trips on the D1 model, one request at a time on a tenant of its
 * own: a few users and groups through the whole cycle, the writer evicted before a second
 * incremental pass whether or not --cold is given, so the cold PATCH's round trips always show.
 */
async function probeRoundTrips(db: D1Like, kv: KvLike): Promise<Run> {
  const tenant = "probe";
  const target: Target = { host: tenant, token: await seedTenant(db, kv, tenant) };
  // Steady state, as in the round-trip budget test: the token and the tenant's configuration cached.
  await send(new Run(), target, "warm", "GET", `/scim/v2/Users?filter=${encodeURIComponent('userName eq "warm"')}`, undefined, [200]);
  const probe = new Run(true);
  const size: CycleSize = { users: 4, groups: 2, members: 2 * MEMBERS_PER_PATCH, concurrency: 1 };
  const evict = () => evictWriter(tenant);
  for (const step of cycleSteps(probe, target, tenant, size, SLICE, evict)) await runStep(probe, step);
  return probe;
}

/** "1", or "1-2" where requests of one kind differed. */
function tripsOf(probe: Run, kind: string, key: keyof Trips): string {
  const counts = (probe.trips.get(kind) ?? []).map((t) => t[key]);
  if (counts.length === 0) return "";
  const low = Math.min(...counts);
  const high = Math.max(...counts);
  return low === high ? String(low) : `${low}-${high}`;
}

interface WriteRate {
  latency: number;
  tenant: string;
  writes: Run;
  seconds: number;
  d1PerWrite: number;
  readsIdle: Run;
  readsQueued: Run;
}

/**
 * Each tenant's sustained write rate through its writer at `latency` ms per D1 round trip:
 * `rateWriters` PATCHes in flight per tenant, `tenants` at once, for `rateSeconds`. Meanwhile
 * the first tenant's reads, one at a time, show whether its queued writes slow them; the same
 * reads with no writes, just before, are what they are compared with.
 */
async function writeRates(latency: number, tenants: { name: string; target: Target }[]): Promise<WriteRate[]> {
  const host = tenants[0].target.host;
  await d1Model(host, latency);
  const readPath = `/scim/v2/Users?filter=${encodeURIComponent(`userName eq "${userName(tenants[0].name, 0)}"`)}`;
  const READ = "GET /Users?filter=userName eq (match)";
  const readsIdle = new Run();
  for (let i = 0; i < 20; i++) await send(readsIdle, tenants[0].target, READ, "GET", readPath, undefined, [200]);

  const ids = await Promise.all(
    tenants.map(async (t) => {
      const list = await send(new Run(), t.target, "ids", "GET", `/scim/v2/Users?startIndex=1&count=${rateWriters}`, undefined, [200]);
      return ((list?.Resources ?? []) as { id: string }[]).map((r) => r.id);
    }),
  );
  const runs = tenants.map(() => new Run());
  const readsQueued = new Run();
  const before = await d1Model(host);
  const end = performance.now() + rateSeconds * 1000;
  const lanes = tenants.flatMap((t, n) =>
    Array.from({ length: rateWriters }, async (_, lane) => {
      for (let k = 0; performance.now() < end; k++) {
        const id = ids[n][(lane + k) % ids[n].length];
        const body = {
          schemas: [PATCH_OP],
          Operations: [{ op: "Replace", path: "name.familyName", value: `Rate${latency}-${lane}-${k}` }],
        };
        await send(runs[n], t.target, "PATCH /Users/{id} name.familyName", "PATCH", `/scim/v2/Users/${id}`, body, [200, 204]);
      }
    }),
  );
  const reads = (async () => {
    while (performance.now() < end) await send(readsQueued, tenants[0].target, READ, "GET", readPath, undefined, [200]);
  })();
  const started = performance.now();
  await Promise.all([...lanes, reads]);
  const seconds = (performance.now() - started) / 1000;
  const after = await d1Model(host);
  const writes = runs.reduce((n, run) => n + run.requests, 0);
  // Each read here is one D1 round trip (the budget test's "userName match").
  const d1PerWrite = (after.d1 - before.d1 - readsQueued.requests) / writes;
  return tenants.map((t, n) => ({ latency, tenant: t.name, writes: runs[n], seconds, d1PerWrite, readsIdle, readsQueued }));
}

/** workerd's CPU per request, where /proc tells it. */
const cpuPerRequest = (cpuSeconds: number, requests: number) => (serverCpu ? ms((cpuSeconds / requests) * 1000) : "n/a");
const perSecond = (value: number) => `${value.toFixed(0)} req/s`;
const ratio = (value: number) => `${value.toFixed(2)}x`;

function failureLines(run: Run, label: string): string[] {
  return [...run.failures].flatMap(([kind, list]) => [
    `${label} ${kind}: ${list.length} error(s)`,
    ...list.slice(0, 3).map((f) => `    ${f.request} -> ${f.status} ${f.body}`),
  ]);
}

try {
  const { db, kv } = await worker.bindings();
  const scimTenant = "cycle";
  const scim: Target = { host: scimTenant, token: await seedTenant(db, kv, scimTenant) };
  // The floor reads the tenant from its host's first label and takes no token.
  const floor: Target = { host: "floor.floor", token: "unused" };

  const whole = { machine: machineBusySeconds(), server: serverCpu?.() ?? 0, client: process.cpuUsage(), wall: performance.now() };

  // Warm the isolates and SQLite before anything is measured.
  const warm = new Run();
  for (let i = 0; i < 50; i++) {
    await send(warm, scim, "warm", "GET", "/health", undefined, [200]);
    await send(warm, scim, "warm", "GET", `/scim/v2/Users?filter=${encodeURIComponent('userName eq "warm"')}`, undefined, [200]);
    await send(warm, floor, "warm", "GET", `/scim/v2/Users?filter=${encodeURIComponent('userName eq "warm"')}`, undefined, [200]);
  }
  if (warm.errors > 0) throw new Error(`warm-up failed:\n${failureLines(warm, "warm-up").join("\n")}`);
  if (d1Latency !== undefined) {
    log(`D1 model: every round trip delayed by ${d1Latency} ms, in scim-edge and in the floor`);
    await Promise.all([d1Model(scim.host, d1Latency), d1Model(floor.host, d1Latency)]);
  }

  log(`ceiling: ${ceilingRequests} GET /health, concurrency ${size.concurrency}`);
  const ceiling = new Run();
  await ceiling.time(() =>
    pool(ceilingRequests, size.concurrency, () => send(ceiling, scim, "GET /health", "GET", "/health", undefined, [200]).then(() => {})),
  );

  const tenantSize: CycleSize = {
    users: Math.ceil(size.users / tenantCount),
    groups: Math.ceil(size.groups / tenantCount),
    members: size.members,
    // The same requests in flight in total as the one-tenant run, so the two compare.
    concurrency: Math.max(1, Math.round(size.concurrency / tenantCount)),
  };
  const tenants = await Promise.all(
    Array.from({ length: tenantCount }, async (_, t) => {
      const name = `tenant-${t + 1}`;
      return { name, target: { host: name, token: await seedTenant(db, kv, name) }, run: new Run() };
    }),
  );

  log(
    `floor, scim-edge and ${tenantCount} tenants at once, step by step in turn: ${size.users} users, ${size.groups} groups of ${size.members}`,
  );
  log(
    `  (${tenantCount} tenants: ${tenantSize.users} users, ${tenantSize.groups} groups each, concurrency ${tenantSize.concurrency} each)`,
  );
  const floorRun = new Run();
  const scimRun = new Run();
  const floorSteps = cycleSteps(floorRun, floor, "floor", size, SLICE, evictionOf(undefined));
  const scimSteps = cycleSteps(scimRun, scim, scimTenant, size, SLICE, evictionOf(scimTenant));
  // Slices as many as the one-tenant run has, so each of its steps has a counterpart here.
  const tenantSteps = tenants.map((t) =>
    cycleSteps(t.run, t.target, t.name, tenantSize, Math.ceil(SLICE / tenantCount), evictionOf(t.name)),
  );
  const multi: Cost = { seconds: 0, serverCpu: 0, clientCpu: 0 };
  // The same cycle for all three, taking turns every step (at most SLICE users): a change in the
  // machine's speed during the run (this VM's neighbours, a GC) falls on all alike.
  const stepCount = Math.max(floorSteps.length, ...tenantSteps.map((steps) => steps.length));
  for (let k = 0; k < stepCount; k++) {
    await runStep(floorRun, floorSteps[k]);
    await runStep(scimRun, scimSteps[k]);
    await Promise.all(tenantSteps.map((steps) => (steps[k]?.phase === PHASE.evict ? steps[k].work() : undefined)));
    const cost = await measure(() =>
      Promise.all(tenantSteps.map((steps) => (steps[k]?.phase === PHASE.evict ? undefined : steps[k]?.work()))),
    );
    multi.seconds += cost.seconds;
    multi.serverCpu += cost.serverCpu;
  }
  const multiRequests = tenants.reduce((n, t) => n + t.run.requests, 0);
  const multiRate = multiRequests / multi.seconds;

  log(`scale curve: seeding tenants of ${scaleSizes.join(", ")} users`);
  const scaleTenants: { users: number; target: Target; run: Run }[] = [];
  for (const users of scaleSizes) {
    const name = `scale-${users}`;
    const token = await seedTenant(db, kv, name);
    await seedUsers(db, name, users, "u");
    scaleTenants.push({ users, target: { host: name, token }, run: new Run() });
  }
  log(`scale curve: ${samples} sequential samples per size and kind`);
  const SCALE = { miss: "match, no user (initial cycle)", hit: "match, existing user", create: "create" } as const;
  for (let i = 0; i < samples; i++) {
    // Interleaved, so drift over the run (GC, SQLite's cache) falls on every size alike.
    for (const t of scaleTenants) {
      const fresh = `new-${i}@bench.test`;
      const existing = `u-${1 + ((i * 7919) % t.users)}@bench.test`;
      await send(
        t.run,
        t.target,
        SCALE.miss,
        "GET",
        `/scim/v2/Users?filter=${encodeURIComponent(`userName eq "${fresh}"`)}`,
        undefined,
        [200],
      );
      await send(
        t.run,
        t.target,
        SCALE.create,
        "POST",
        "/scim/v2/Users",
        { schemas: ["urn:ietf:params:scim:schemas:core:2.0:User"], userName: fresh, active: true },
        [201],
      );
      await send(
        t.run,
        t.target,
        SCALE.hit,
        "GET",
        `/scim/v2/Users?filter=${encodeURIComponent(`userName eq "${existing}"`)}`,
        undefined,
        [200],
      );
    }
  }

  let probe: Run | undefined;
  const rates: WriteRate[] = [];
  if (modelled) {
    log("round trips: each cycle request kind, one request at a time, on a probe tenant");
    probe = await probeRoundTrips(db, kv);
    for (const latency of RATE_LATENCIES) {
      log(`write rate at ${latency} ms per D1 round trip: ${rateWriters} PATCHes in flight per tenant for ${rateSeconds} s`);
      rates.push(...(await writeRates(latency, tenants.slice(0, rateTenants))));
    }
  }

  const machineNow = machineBusySeconds();
  const clientUsed = process.cpuUsage(whole.client);
  // Busy CPU the benchmark's processes (this client with Miniflare, and workerd) did not use.
  const otherCpu =
    machineNow === undefined || whole.machine === undefined || !serverCpu
      ? undefined
      : machineNow - whole.machine - (serverCpu() - whole.server) - (clientUsed.user + clientUsed.system) / 1e6;
  const measuredSeconds = (performance.now() - whole.wall) / 1000;

  const checks = await Promise.all(
    [scimTenant, ...tenants.map((t) => t.name)].map(async (name) => ({ name, ...(await verify(db, name)) })),
  );

  // ---- Report ----
  const out = (line = "") => console.log(line);
  out(
    `\nEntra cycle benchmark: ${size.users} users, ${size.groups} groups of ${size.members}, concurrency ${size.concurrency}; Miniflare direct, one client, one run\n`,
  );
  out(
    table(
      ["run", "requests", "seconds", "req/s", "vs floor", "vs ceiling", "workerd CPU/request", "client CPU/request"],
      [
        ["ceiling: GET /health (no bindings)", ceiling, "", ratio(1)] as const,
        ["floor: one bare D1 statement per request", floorRun, ratio(1), ratio(floorRun.rate / ceiling.rate)] as const,
        ["scim-edge", scimRun, ratio(scimRun.rate / floorRun.rate), ratio(scimRun.rate / ceiling.rate)] as const,
      ].map(([label, run, vsFloor, vsCeiling]) => [
        label,
        run.requests,
        run.cost.seconds.toFixed(1),
        perSecond(run.rate),
        vsFloor,
        vsCeiling,
        cpuPerRequest(run.cost.serverCpu, run.requests),
        ms((run.cost.clientCpu / run.requests) * 1000),
      ]),
    ),
  );
  const scimVsFloor = scimRun.rate / floorRun.rate;
  out(`\nSCIM/floor: ${ratio(scimVsFloor)} (target >= 0.6: ${scimVsFloor >= 0.6 ? "met" : "NOT met"}).`);
  if (serverCpu)
    out(
      `By workerd CPU per request, floor/SCIM: ${ratio(floorRun.cost.serverCpu / floorRun.requests / (scimRun.cost.serverCpu / scimRun.requests))}.`,
    );
  out(
    `SCIM/ceiling: ${ratio(scimRun.rate / ceiling.rate)} (${scimRun.rate < 0.9 * ceiling.rate ? "below the ceiling: the harness is not what limits" : "AT the ceiling: the harness limits this figure"}).\n`,
  );
  const phases = Object.values(PHASE).filter((phase) => scimRun.phases.has(phase));
  out(
    table(
      ["phase", "requests", "scim req/s", "floor req/s", "SCIM/floor", "workerd CPU/request scim", "floor", "by CPU floor/SCIM"],
      phases.map((phase) => [
        phase,
        scimRun.phases.get(phase)?.requests ?? 0,
        perSecond(scimRun.rateOf(phase)),
        perSecond(floorRun.rateOf(phase)),
        ratio(scimRun.rateOf(phase) / floorRun.rateOf(phase)),
        cpuPerRequest(scimRun.cpuOf(phase), 1),
        cpuPerRequest(floorRun.cpuOf(phase), 1),
        serverCpu ? ratio(floorRun.cpuOf(phase) / scimRun.cpuOf(phase)) : "n/a",
      ]),
    ),
  );
  const passRatio = (...phases: string[]) => {
    const byRate = scimRun.rateOf(...phases) / floorRun.rateOf(...phases);
    return {
      byRate,
      text: `${ratio(byRate)}${serverCpu ? ` (by workerd CPU ${ratio(floorRun.cpuOf(...phases) / scimRun.cpuOf(...phases))})` : ""}`,
    };
  };
  const warmPass = passRatio(PHASE.incremental);
  if (cold) {
    const coldPass = passRatio(PHASE.cold);
    const warmCycle = passRatio(PHASE.initial, PHASE.incremental);
    const coldCycle = passRatio(PHASE.initial, PHASE.cold);
    out(`\nIncremental pass, SCIM/floor: writer warm ${warmPass.text}, writer cold ${coldPass.text}.`);
    out(
      `Cycle (initial cycle and one incremental pass), SCIM/floor: writer warm ${warmCycle.text}, writer cold as in production ${coldCycle.text} (target cold >= 0.7: ${coldCycle.byRate >= 0.7 ? "met" : "NOT met"}).\n`,
    );
  } else {
    out(`\nIncremental pass, SCIM/floor: ${warmPass.text} with the writer warm (--cold adds a pass on evicted writers).\n`);
  }
  if (d1Latency !== undefined) out(`Every D1 round trip delayed by ${d1Latency} ms (--d1-latency), in scim-edge and in the floor alike.\n`);
  // With the D1 model, each kind's round trips as counted there, one request at a time (probe tenant).
  const tripColumns = (kind: string) => (probe ? [tripsOf(probe, kind, "d1"), tripsOf(probe, kind, "rpc")] : []);
  const kinds = Object.values(KIND).filter((kind) => scimRun.latencies.has(kind) || probe?.trips.has(kind));
  out(
    table(
      ["request", "n", "scim p50", "p95", "p99", "floor p50", "p95", "p99", "errors", ...(probe ? ["D1 trips", "writer RPCs"] : [])],
      kinds.map((kind) => {
        const a = summarise(scimRun.latencies.get(kind) ?? []);
        const b = summarise(floorRun.latencies.get(kind) ?? []);
        return [kind, a.n, ms(a.p50), ms(a.p95), ms(a.p99), ms(b.p50), ms(b.p95), ms(b.p99), scimRun.errorsOf(kind), ...tripColumns(kind)];
      }),
    ),
  );
  const c = summarise(ceiling.latencies.get("GET /health") ?? []);
  out(`ceiling GET /health: p50 ${ms(c.p50)}, p95 ${ms(c.p95)}, p99 ${ms(c.p99)}`);

  out(`\nScale curve: p50 of ${samples} sequential requests per tenant size\n`);
  const scaleP50 = (t: (typeof scaleTenants)[number], kind: string) => summarise(t.run.latencies.get(kind) ?? []).p50;
  const first = scaleTenants[0];
  const last = scaleTenants[scaleTenants.length - 1];
  const scaleKinds = Object.values(SCALE);
  out(
    table(
      ["tenant users", ...scaleKinds, "errors"],
      [
        ...scaleTenants.map((t) => [t.users, ...scaleKinds.map((k) => ms(scaleP50(t, k))), t.run.errors]),
        [`ratio ${last.users}/${first.users}`, ...scaleKinds.map((k) => ratio(scaleP50(last, k) / scaleP50(first, k))), ""],
      ],
    ),
  );
  const worstScale = Math.max(...scaleKinds.map((k) => scaleP50(last, k) / scaleP50(first, k)));
  out(
    `Target: ${last.users}-user figures within 1.3x of the ${first.users}-user ones. Worst: ${ratio(worstScale)} (${worstScale <= 1.3 ? "met" : "NOT met"}).`,
  );

  out(
    `\n${tenantCount} tenants at once, ${tenantSize.users} users and ${tenantSize.groups} groups of ${size.members} each, concurrency ${tenantSize.concurrency} each (${tenantSize.concurrency * tenantCount} in flight, as above)\n`,
  );
  out(
    table(
      ["tenant", "requests", "req/s", "p50", "p95", "p99", "errors"],
      [
        ...tenants.map((t) => {
          const all = summarise([...t.run.latencies.values()].flat());
          return [t.name, t.run.requests, perSecond(t.run.requests / multi.seconds), ms(all.p50), ms(all.p95), ms(all.p99), t.run.errors];
        }),
        ["all tenants", multiRequests, perSecond(multiRate), "", "", "", tenants.reduce((n, t) => n + t.run.errors, 0)],
      ],
    ),
  );
  out(
    `Throughput, ${tenantCount} tenants vs one: ${perSecond(multiRate)} vs ${perSecond(scimRun.rate)} (${ratio(multiRate / scimRun.rate)}).`,
  );
  out(
    `workerd CPU per request, ${tenantCount} tenants vs one: ${cpuPerRequest(multi.serverCpu, multiRequests)} vs ${cpuPerRequest(scimRun.cost.serverCpu, scimRun.requests)}.`,
  );

  if (rates.length > 0) {
    out(
      `\nSustained writes per tenant through its writer: ${rateWriters} PATCHes in flight per tenant, ${Math.min(rateTenants, tenantCount)} tenants at once, ${rateSeconds} s per latency; reads one at a time on ${tenants[0].name} meanwhile\n`,
    );
    out(
      table(
        [
          "D1 latency",
          "tenant",
          "writes",
          "writes/s",
          "D1 trips/write",
          "ceiling: 1000 / (latency x trips)",
          "writer time/write besides D1 waits",
          "PATCH p50",
          "p95",
          "read p50 idle",
          "read p50, writes queued",
          "errors",
        ],
        rates.map((r) => {
          const patch = summarise([...r.writes.latencies.values()].flat());
          const first = r.tenant === tenants[0].name;
          return [
            `${r.latency} ms`,
            r.tenant,
            r.writes.requests,
            `${(r.writes.requests / r.seconds).toFixed(1)}/s`,
            r.d1PerWrite.toFixed(2),
            `${(1000 / (r.latency * r.d1PerWrite)).toFixed(1)}/s`,
            // What each write holds its tenant's writer for beyond the modelled waits: local D1 and CPU.
            ms((r.seconds * 1000) / r.writes.requests - r.latency * r.d1PerWrite),
            ms(patch.p50),
            ms(patch.p95),
            first ? ms(summarise([...r.readsIdle.latencies.values()].flat()).p50) : "",
            first ? ms(summarise([...r.readsQueued.latencies.values()].flat()).p50) : "",
            r.writes.errors + (first ? r.readsIdle.errors + r.readsQueued.errors : 0),
          ];
        }),
      ),
    );
    const at20 = rates.filter((r) => r.latency === 20);
    const slowest = Math.min(...at20.map((r) => r.writes.requests / r.seconds));
    out(
      `At 20 ms: slowest tenant ${slowest.toFixed(1)} writes/s (target >= 50: ${slowest >= 50 ? "met" : "NOT met"}). A tenant's writes take turns in its writer, each holding it for its D1 round trips, so the ceiling is 1000 / (latency x round trips per write).`,
    );
  }

  out(`\nStored state after the cycles (SQL counts; expected in brackets)\n`);
  const expectOf = (s: CycleSize) => ({ users: s.users, groups: s.groups, memberships: s.groups * Math.min(s.members, s.users) });
  out(
    table(
      ["tenant", "users", "duplicate userNames", "groups", "duplicate displayNames", "memberships", "updated", "disabled"],
      checks.map((check) => {
        const e = expectOf(check.name === scimTenant ? size : tenantSize);
        return [
          check.name,
          `${check.users} [${e.users}]`,
          `${check.duplicateUsers} [0]`,
          `${check.groups} [${e.groups}]`,
          `${check.duplicateGroups} [0]`,
          `${check.memberships} [${e.memberships}]`,
          `${check.updated} [${e.users}]`,
          `${check.disabled} [${e.users}]`,
        ];
      }),
    ),
  );

  const failures = [
    ...failureLines(scimRun, "scim-edge"),
    ...failureLines(floorRun, "floor"),
    ...tenants.flatMap((t) => failureLines(t.run, t.name)),
    ...scaleTenants.flatMap((t) => failureLines(t.run, `scale-${t.users}`)),
    ...(probe ? failureLines(probe, "probe") : []),
    ...rates.flatMap((r) => failureLines(r.writes, `${r.tenant} at ${r.latency} ms`)),
  ];
  out(failures.length === 0 ? "\nNo errors." : `\nErrors (first three of each kind):\n${failures.join("\n")}`);
  if (otherCpu !== undefined) {
    out(
      `\nOther processes on the machine while measuring: ${otherCpu.toFixed(1)} CPU-seconds over ${measuredSeconds.toFixed(0)} s (${((otherCpu / measuredSeconds) * 100).toFixed(0)}% of one core; near 0 for a clean run).`,
    );
  }
  out(`Total run time: ${((performance.now() - started) / 1000).toFixed(0)} s`);
} finally {
  await worker.dispose();
  await rm(dir, { recursive: true, force: true });
}
