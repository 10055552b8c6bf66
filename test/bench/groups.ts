// Group membership benchmark (issue 3): PATCH costs on a 10-member and a 100,000-member group,
// Entra's group queries on a tenant with 2,000 groups, and (issue 14) removing every member of the
// big group, which records one event per member in the same write. The Worker is bundled as deployed and served
// by Miniflare directly (no wrangler dev proxy); the no-op route's latency is printed as the ceiling.
//
//   npm run bench:groups [-- --iterations 200 --big 100000 --groups 2000]

import { rm } from "node:fs/promises";
import { parseArgs } from "node:util";
import { printWorkerErrors, serveWorker } from "../harness/serve-worker.ts";
import { migratedState, seedGroup, seedGroups, seedTenant, seedUsers } from "./seed.ts";
import { ms, summarise, table, timed } from "./stats.ts";

const { values } = parseArgs({
  options: {
    iterations: { type: "string", default: "200" },
    big: { type: "string", default: "100000" },
    groups: { type: "string", default: "2000" },
  },
});
const iterations = Number(values.iterations);
const bigSize = Number(values.big);
const groupCount = Number(values.groups);
const PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp";

const dir = await migratedState("scim-edge-bench-");
const worker = await serveWorker({
  persistTo: dir,
  // Sequential requests here can pass the per-tenant limit (TENANT_RATE_LIMIT, 200/s); the
  // limiter's cost is still paid on every request.
  vars: { TENANT_RATE_LIMIT: "1000000" },
  onWorkerLog: printWorkerErrors,
});

try {
  const { db, kv } = await worker.bindings();
  const log = (line: string) => process.stderr.write(`${line}\n`);

  log(`seeding: tenant "members" with ${bigSize + 10 + iterations * 25} users, groups of 10 and ${bigSize}`);
  const token = await seedTenant(db, kv, "members");
  // Members of the groups, then a pool the PATCHes add from.
  await seedUsers(db, "members", bigSize, "u");
  await seedUsers(db, "members", 10, "s");
  await seedUsers(db, "members", iterations * 25, "add");
  await seedGroup(db, "members", "small", "Small", 10, "s");
  await seedGroup(db, "members", "big", "Big", bigSize, "u");

  log(`seeding: tenant "queries" with ${groupCount} groups of 5`);
  const queryToken = await seedTenant(db, kv, "queries");
  await seedUsers(db, "queries", groupCount * 5, "q");
  await seedGroups(db, "queries", groupCount, 5, "q");

  const auth = (t: string) => ({ Authorization: `Bearer ${t}`, "Content-Type": "application/scim+json" });
  const patchGroup = async (group: string, Operations: unknown[]) => {
    const response = await worker.tenantFetch("members", `/scim/v2/Groups/${group}`, {
      method: "PATCH",
      headers: auth(token),
      body: JSON.stringify({ schemas: [PATCH_OP], Operations }),
    });
    if (response.status !== 204) throw new Error(`PATCH ${group}: ${response.status} ${await response.text()}`);
  };
  const get = async (tenant: string, t: string, path: string) => {
    const response = await worker.tenantFetch(tenant, path, { headers: auth(t) });
    if (response.status !== 200) throw new Error(`GET ${path}: ${response.status}`);
    return response.json() as Promise<{ totalResults: number }>;
  };

  // Warm the isolate, the Durable Objects and SQLite's caches before measuring anything.
  for (let i = 0; i < 20; i++) {
    await worker.tenantFetch("members", "/health");
    await get("members", token, "/scim/v2/Groups?count=1&excludedAttributes=members");
  }

  const ceiling: number[] = [];
  for (let i = 0; i < iterations; i++) ceiling.push(await timed(() => worker.tenantFetch("members", "/health")));

  // Each round adds 25 fresh members (timed), removes one of them (timed) and the other 24
  // (untimed), so both groups keep their size for the whole run.
  const samples = { small: { add: [] as number[], remove: [] as number[] }, big: { add: [] as number[], remove: [] as number[] } };
  let next = 1;
  for (let i = 0; i < iterations; i++) {
    for (const group of ["small", "big"] as const) {
      const ids = Array.from({ length: 25 }, () => `add-${next++}`);
      if (next > iterations * 25) next = 1;
      samples[group].add.push(
        await timed(() => patchGroup(group, [{ op: "Add", path: "members", value: ids.map((value) => ({ $ref: null, value })) }])),
      );
      samples[group].remove.push(
        await timed(() => patchGroup(group, [{ op: "Remove", path: "members", value: [{ $ref: null, value: ids[0] }] }])),
      );
      await patchGroup(group, [{ op: "Remove", path: "members", value: ids.slice(1).map((value) => ({ value })) }]);
    }
  }

  const membership: number[] = [];
  const displayName: number[] = [];
  for (let i = 0; i < iterations; i++) {
    const g = 1 + ((i * 7919) % groupCount);
    const member = `q-${(g - 1) * 5 + 1}`;
    const check = encodeURIComponent(`id eq "g-${g}" and members eq "${member}"`);
    membership.push(
      await timed(async () => {
        const body = await get("queries", queryToken, `/scim/v2/Groups?filter=${check}&attributes=id`);
        if (body.totalResults !== 1) throw new Error("membership check missed");
      }),
    );
    const match = encodeURIComponent(`displayName eq "Group ${g}"`);
    displayName.push(await timed(() => get("queries", queryToken, `/scim/v2/Groups?excludedAttributes=members&filter=${match}`)));
  }

  // Last, as it empties the big group: one PATCH, one write, one event per member removed.
  const [{ lastSeq: before }] = (
    await db.prepare("SELECT last_seq AS lastSeq FROM tenant_event_counters WHERE tenant_id = 'members'").all<{ lastSeq: number }>()
  ).results;
  const removeAll = await timed(() => patchGroup("big", [{ op: "Remove", path: "members" }]));
  const [removed] = (
    await db
      .prepare(`SELECT count(*) AS n, min(seq) AS lo, max(seq) AS hi, count(DISTINCT time) AS commits,
          (SELECT count(*) FROM group_members WHERE tenant_id = 'members' AND group_id = 'big') AS left
        FROM events WHERE tenant_id = 'members' AND seq > ? AND type = 'group.member_removed'`)
      .bind(before)
      .all<{ n: number; lo: number; hi: number; commits: number; left: number }>()
  ).results;

  const s = {
    ceiling: summarise(ceiling),
    smallAdd: summarise(samples.small.add),
    bigAdd: summarise(samples.big.add),
    smallRemove: summarise(samples.small.remove),
    bigRemove: summarise(samples.big.remove),
    membership: summarise(membership),
    displayName: summarise(displayName),
  };
  const ratio = (big: number, small: number) => `${(big / small).toFixed(2)}x`;
  console.log(`\nGroup membership benchmark: ${iterations} requests per figure, sequential, Miniflare direct\n`);
  console.log(
    table(
      ["request", "10 members p50", "p95", `${bigSize} members p50`, "p95", "ratio p50", "ratio p95"],
      [
        [
          "PATCH Add 25 members",
          ms(s.smallAdd.p50),
          ms(s.smallAdd.p95),
          ms(s.bigAdd.p50),
          ms(s.bigAdd.p95),
          ratio(s.bigAdd.p50, s.smallAdd.p50),
          ratio(s.bigAdd.p95, s.smallAdd.p95),
        ],
        [
          "PATCH Remove 1 member",
          ms(s.smallRemove.p50),
          ms(s.smallRemove.p95),
          ms(s.bigRemove.p50),
          ms(s.bigRemove.p95),
          ratio(s.bigRemove.p50, s.smallRemove.p50),
          ratio(s.bigRemove.p95, s.smallRemove.p95),
        ],
      ],
    ),
  );
  console.log(`\nOn a tenant with ${groupCount} groups:\n`);
  console.log(
    table(
      ["request", "p50", "p95"],
      [
        ['membership check: id eq "g" and members eq "u"', ms(s.membership.p50), ms(s.membership.p95)],
        ['displayName eq "..." (excludedAttributes=members)', ms(s.displayName.p50), ms(s.displayName.p95)],
        ["harness ceiling: GET /health (no bindings)", ms(s.ceiling.p50), ms(s.ceiling.p95)],
      ],
    ),
  );
  // The events' commit time is D1's clock when the write's batch runs: one value, one write.
  const oneWrite = removed.n === bigSize && removed.hi - removed.lo + 1 === bigSize && removed.commits === 1 && removed.left === 0;
  console.log(
    `\nPATCH Remove all ${bigSize} members of the big group: ${ms(removeAll)}, ${removed.n} group.member_removed events (seq ${removed.lo}..${removed.hi}, ${removed.commits} commit time), ${removed.left} members left: ${oneWrite ? "one write" : "NOT one write"}.`,
  );
  const target = Math.max(s.bigAdd.p50 / s.smallAdd.p50, s.bigRemove.p50 / s.smallRemove.p50);
  console.log(
    `\nTarget: ${bigSize}-member figures within 1.5x of the 10-member ones. Worst p50 ratio: ${target.toFixed(2)}x (${target <= 1.5 ? "met" : "NOT met"}).`,
  );
} finally {
  await worker.dispose();
  await rm(dir, { recursive: true, force: true });
}
