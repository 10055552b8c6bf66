// Entra provisioning-cycle benchmark (issue 6): an initial cycle (match then create every user;
// match, create and fill every group) and an incremental pass (attribute and `active` PATCHes),
// sent the way Entra sends them, against the Worker bundled as deployed and served by Miniflare
// directly. Beside it, in the same runtime and run: the harness ceiling (GET /health, no bindings)
// and the floor (test/bench/floor-worker.ts: the same requests answered with one bare D1 statement
// each, on the same tables). Then a scale curve (latency on tenants of 1,000 to 100,000 users) and
// several tenants at once.
//
//   npm run bench:cycle [-- --users 10000 --groups 200 --members 50 --concurrency 16 --tenants 8]

import { randomUUID } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { runWrangler } from "../../src/cli/wrangler.ts";
import { type D1Like, printWorkerErrors, serveWorker } from "../harness/serve-worker.ts";
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
  },
});
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

/** Latencies and failures of one run, per request kind. */
class Run {
  readonly latencies = new Map<string, number[]>();
  readonly failures = new Map<string, Failure[]>();
  requests = 0;
  readonly cost: Cost = { seconds: 0, serverCpu: 0, clientCpu: 0 };

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
  async time(work: () => Promise<unknown>) {
    const cost = await measure(work);
    this.cost.seconds += cost.seconds;
    this.cost.serverCpu += cost.serverCpu;
    this.cost.clientCpu += cost.clientCpu;
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
} as const;

const dir = await mkdtemp(join(tmpdir(), "scim-edge-bench-cycle-"));
const log = (line: string) => process.stderr.write(`[${((performance.now() - started) / 1000).toFixed(0)} s] ${line}\n`);
const migrate = await runWrangler(["d1", "migrations", "apply", "DB", "--local", "--persist-to", dir]);
if (migrate.code !== 0) throw new Error(migrate.stderr);
const worker = await serveWorker({
  persistTo: dir,
  // The deployment's per-tenant limit (TENANT_RATE_LIMIT, 200/s) would answer 429 above it and cap
  // what is measured; the limiter's own cost is still paid on every request.
  vars: { TENANT_RATE_LIMIT: "1000000" },
  extraWorkers: [{ name: "floor", entry: fileURLToPath(new URL("./floor-worker.ts", import.meta.url)), routes: ["*.floor.localhost/*"] }],
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
 * the PATCH pass slice by slice.
 */
function cycleSteps(run: Run, target: Target, tenant: string, s: CycleSize, slice = SLICE): (() => Promise<void>)[] {
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
    ([start, end]: [number, number]) =>
    () =>
      pool(end - start, s.concurrency, async (k) => {
        const i = start + k;
        const id = userIds[i];
        if (id === undefined) return;
        await send(
          run,
          target,
          KIND.userPatch,
          "PATCH",
          `/scim/v2/Users/${id}`,
          {
            schemas: [PATCH_OP],
            Operations: [
              { op: "Replace", path: 'emails[type eq "work"].value', value: `new.${userName(tenant, i)}` },
              { op: "Replace", path: "name.familyName", value: `Renamed${i}` },
              { op: "Replace", path: `${ENTERPRISE}:employeeNumber`, value: `E${i}` },
              { op: "Add", path: "nickName", value: "Babs" },
            ],
          },
          [200, 204],
        );
        await send(
          run,
          target,
          KIND.userDisable,
          "PATCH",
          `/scim/v2/Users/${id}`,
          {
            schemas: [PATCH_OP],
            Operations: [{ op: "Replace", path: "active", value: "False" }],
          },
          [200, 204],
        );
      });

  return [...slices(s.users, slice).map(createUsers), createGroups, ...slices(s.users, slice).map(patchUsers)];
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
  const floorSteps = cycleSteps(floorRun, floor, "floor", size);
  const scimSteps = cycleSteps(scimRun, scim, scimTenant, size);
  // Slices as many as the one-tenant run has, so each of its steps has a counterpart here.
  const tenantSteps = tenants.map((t) => cycleSteps(t.run, t.target, t.name, tenantSize, Math.ceil(SLICE / tenantCount)));
  const multi: Cost = { seconds: 0, serverCpu: 0, clientCpu: 0 };
  // The same cycle for all three, taking turns every step (at most SLICE users): a change in the
  // machine's speed during the run (this VM's neighbours, a GC) falls on all alike.
  const stepCount = Math.max(floorSteps.length, ...tenantSteps.map((steps) => steps.length));
  for (let k = 0; k < stepCount; k++) {
    if (floorSteps[k]) await floorRun.time(floorSteps[k]);
    if (scimSteps[k]) await scimRun.time(scimSteps[k]);
    const cost = await measure(() => Promise.all(tenantSteps.map((steps) => steps[k]?.())));
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
  const kinds = Object.values(KIND);
  out(
    table(
      ["request", "n", "scim p50", "p95", "p99", "floor p50", "p95", "p99", "errors"],
      kinds.map((kind) => {
        const a = summarise(scimRun.latencies.get(kind) ?? []);
        const b = summarise(floorRun.latencies.get(kind) ?? []);
        return [kind, a.n, ms(a.p50), ms(a.p95), ms(a.p99), ms(b.p50), ms(b.p95), ms(b.p99), scimRun.errorsOf(kind)];
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
