// Keeps replica.json equal to one tenant's users, groups and members (README: Admin API).
// ADMIN_URL=https://scim.example.com ADMIN_KEY=scimadm_... TENANT=acme node admin-replica.mjs
import { readFile, rename, writeFile } from "node:fs/promises";

const { ADMIN_URL, ADMIN_KEY, TENANT, REPLICA = "replica.json" } = process.env;

async function get(path) {
  const res = await fetch(`${ADMIN_URL}/admin/v1/tenants/${TENANT}${path}`, { headers: { Authorization: `Bearer ${ADMIN_KEY}` } });
  if (res.ok || res.status === 404 || res.status === 410) return { status: res.status, body: await res.json() };
  throw new Error(`${path}: ${res.status} ${await res.text()}`); // 401 a revoked key; 429, 503: retry later
}

/** Every item of a snapshot listing, and the asOfSeq its first page was read at. */
async function all(path, into = []) {
  let cursor = "";
  let asOfSeq;
  do {
    const { status, body } = await get(`${path}?limit=1000${cursor ? `&cursor=${cursor}` : ""}`);
    if (status === 404) break; // a group deleted meanwhile: its group.deleted event follows
    asOfSeq ??= body.asOfSeq;
    into.push(...body.data);
    cursor = body.nextCursor;
  } while (cursor);
  return { items: into, asOfSeq };
}

async function snapshot() {
  const users = await all("/users");
  const r = { seq: users.asOfSeq, users: {}, groups: {}, members: {} };
  for (const user of users.items) r.users[user.id] = user;
  for (const group of (await all("/groups")).items) {
    r.groups[group.id] = group;
    r.members[group.id] = {};
    for (const m of (await all(`/groups/${group.id}/members`)).items) r.members[group.id][m.value] = m.type;
  }
  return r;
}

function apply(r, { type, resource: { id }, data }) {
  const [kind, change] = type.split("."); // "user" | "group", "created" | "updated" | "deleted" | "member_…"
  if (change === "member_added") r.members[id][data.member.value] = data.member.type;
  else if (change === "member_removed") delete r.members[id][data.member.value];
  else if (change === "deleted") {
    delete r[`${kind}s`][id];
    delete r.members[id];
    for (const members of Object.values(r.members)) delete members[id]; // its memberships go with it
  } else {
    r[`${kind}s`][id] = data; // whole resources: applying one twice is harmless
    if (type === "group.created") r.members[id] = {};
  }
}

let r = JSON.parse(await readFile(REPLICA, "utf8").catch(() => "null")) ?? (await snapshot());
for (;;) {
  // Written aside, then renamed over: a crash or a reader never meets half a replica.
  await writeFile(`${REPLICA}.tmp`, JSON.stringify(r));
  await rename(`${REPLICA}.tmp`, REPLICA);
  const { status, body } = await get(`/events?after=${r.seq}&limit=1000&wait=30`);
  if (status === 410) {
    r = await snapshot(); // past retention: start again from a new snapshot
  } else {
    for (const event of body.events) apply(r, event);
    r.seq = body.next;
  }
}
