// `admin-key` and `events` against real local state, with the Worker bundled as deployed and served
// on that same state: a key is checked by what the admin API then does with it.

import { spawn } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { parseCliArgs } from "../../src/cli/args.ts";
import { PROJECT_ROOT } from "../../src/cli/wrangler.ts";
import { sha256Hex } from "../../src/lib/crypto.ts";
import { type ServedWorker, serveWorker } from "../harness/serve-worker.ts";
import { assertNode22, d1Rows, expectUsageError, filesContaining, jsonCli, runCli } from "./run-cli.ts";

const PATCH = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
const KEY = /^scimadm_[A-Za-z0-9_-]{43}$/; // 32 random bytes = 43 base64url characters
let dir: string;
let worker: ServedWorker;

beforeAll(async () => {
  assertNode22();
  dir = await mkdtemp(join(tmpdir(), "scim-edge-admin-cli-"));
  // No key cache, so a revocation shows on the next request.
  worker = await serveWorker({ persistTo: dir, vars: { TOKEN_CACHE_SECONDS: "0" } });
}, 60_000);

afterAll(async () => {
  await worker?.dispose();
  await rm(dir, { recursive: true, force: true });
});

const cli = (...args: string[]) => jsonCli(dir)(...args);
const admin = async (key: string, path: string) => {
  const response = await fetch(`${worker.origin}/admin/v1${path}`, { headers: { Authorization: `Bearer ${key}` } });
  return { status: response.status, body: (await response.json()) as any };
};

const parse = (...argv: string[]) => parseCliArgs(argv, (p) => `/abs/${p}`);

describe("arguments", () => {
  test("admin-key and events take their own options only, and check ids, seqs and types", () => {
    expect(parse("admin-key", "create")).toMatchObject({ kind: "admin-key", command: "admin-key create", scope: "*" });
    expect(parse("admin-key", "create", "--tenant", "acme")).toMatchObject({ scope: "acme" });
    expect(parse("events", "acme", "--after", "7", "--types", "user.created,user.deleted", "--types", "group.created")).toMatchObject({
      kind: "events",
      tenant: "acme",
      after: 7,
      types: ["user.created", "user.deleted", "group.created"],
      follow: false,
    });
    expectUsageError(() => parse("admin-key", "create", "--tenant", "Bad_Name"), /invalid tenant name/);
    expectUsageError(() => parse("admin-key", "list", "--tenant", "acme"), /--tenant applies to "admin-key create" only/);
    expectUsageError(() => parse("admin-key", "revoke", "1';DROP TABLE admin_keys;--"), /invalid admin key id/);
    expectUsageError(() => parse("admin-key", "rotate"), /needs one of: create, list, revoke/);
    expectUsageError(() => parse("events", "acme", "--after=-1"), /--after must be a seq/);
    expectUsageError(() => parse("events", "acme", "--after", "99999999999999999999"), /--after must be a seq/);
    expectUsageError(() => parse("events", "acme", "--types", "user.exploded"), /unknown event type/);
    expectUsageError(() => parse("events"), /usage: events <tenant>/);
    expectUsageError(() => parse("list", "--follow"), /--follow does not apply to "list"/);
    expectUsageError(() => parse("create", "acme", "--tenant", "x"), /--tenant does not apply to "create"/);
    expectUsageError(() => parse("events", "acme", "--tenant", "x"), /--tenant does not apply to "events"/);
    expectUsageError(() => parse("admin-key", "create", "--expires-days", "3"), /--expires-days does not apply/);
  });
});

describe("admin-key", () => {
  test("create prints the key once, list never shows it, revoke closes the admin API to it", async () => {
    await cli("create", "acme");
    await cli("create", "other");
    const scoped = await cli("admin-key", "create", "--tenant", "acme");
    expect(scoped).toEqual({ id: expect.stringMatching(/^ak_[0-9a-f]{16}$/), key: expect.stringMatching(KEY), scope: "acme" });
    const every = await cli("admin-key", "create");
    expect(every.scope).toBe("*");
    // Stored only as its hash: no file of the local state holds the key.
    expect(await filesContaining(dir, scoped.key)).toEqual([]);
    const [row] = await d1Rows<{ key_hash: string }>(dir, `SELECT key_hash FROM admin_keys WHERE id = '${scoped.id}'`);
    expect(row.key_hash).toBe(await sha256Hex(scoped.key));

    const listed = await cli("admin-key", "list");
    expect(listed).toEqual([
      { id: scoped.id, scope: "acme", createdAt: expect.any(String), revokedAt: null },
      { id: every.id, scope: "*", createdAt: expect.any(String), revokedAt: null },
    ]);
    expect(JSON.stringify(listed)).not.toContain("scimadm_");

    expect((await admin(scoped.key, "/tenants")).body.tenants.map((t: any) => t.id)).toEqual(["acme"]);
    expect((await admin(every.key, "/tenants")).body.tenants.map((t: any) => t.id)).toEqual(["acme", "other"]);
    expect((await admin(scoped.key, "/tenants/other/users")).status).toBe(404);

    const revoked = await cli("admin-key", "revoke", scoped.id);
    expect(revoked).toMatchObject({ id: scoped.id, scope: "acme", revokedAt: expect.any(String) });
    expect((await admin(scoped.key, "/tenants")).status).toBe(401);
    expect((await admin(every.key, "/tenants")).status).toBe(200);

    const unknown = await runCli(["admin-key", "create", "--tenant", "nobody", "--persist-to", dir]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/unknown tenant "nobody"/);
    const gone = await runCli(["admin-key", "revoke", "ak_0000000000000000", "--persist-to", dir]);
    expect(gone.stderr).toMatch(/no admin key ak_0000000000000000/);
  });
});

/** Event rows as a committed write leaves them, with the tenant's counter. */
async function seedEvents(tenant: string, seqs: number[], type = "user.updated") {
  const values = seqs
    .map(
      (seq) =>
        `('${tenant}', ${seq}, 'ev-${tenant}-${seq}', '${type}', '2026-11-29T00:00:0${seq % 10}.000Z', 'User', 'u${seq}', '{"userName":"u${seq}@x.test"}', NULL, NULL)`,
    )
    .join(", ");
  await d1Rows(
    dir,
    `INSERT INTO events (tenant_id, seq, id, type, time, resource_type, resource_id, data, previous, extra) VALUES ${values};
     INSERT INTO tenant_event_counters (tenant_id, last_seq) VALUES ('${tenant}', ${Math.max(...seqs)})
       ON CONFLICT (tenant_id) DO UPDATE SET last_seq = excluded.last_seq`,
  );
}

const lines = (stdout: string) =>
  stdout
    .trimEnd()
    .split("\n")
    .map((line) => JSON.parse(line));

describe("events", () => {
  test("prints events after a seq, by type, as JSON lines or text, and follows new ones", async () => {
    await cli("create", "feed");
    await seedEvents("feed", [1, 2, 3]);
    await seedEvents("feed", [4], "user.deleted");

    const all = await runCli(["events", "feed", "--json", "--persist-to", dir]);
    expect(all.code).toBe(0);
    expect(lines(all.stdout).map((e) => e.seq)).toEqual([1, 2, 3, 4]);
    expect(lines(all.stdout)[0]).toEqual({
      seq: 1,
      id: "ev-feed-1",
      type: "user.updated",
      time: "2026-11-29T00:00:01.000Z",
      tenant: "feed",
      resource: { type: "User", id: "u1" },
      data: { userName: "u1@x.test" },
    });
    const after = await runCli(["events", "feed", "--after", "2", "--types", "user.deleted", "--json", "--persist-to", dir]);
    expect(lines(after.stdout).map((e) => e.seq)).toEqual([4]);
    const text = await runCli(["events", "feed", "--after", "3", "--persist-to", dir]);
    expect(text.stdout).toMatch(/^4 {2}2026-11-29T00:00:04.000Z {2}user.deleted +User u4 {2}u4@x.test\n$/);

    const follow = spawn(
      process.execPath,
      ["--experimental-strip-types", "src/cli/tenant.ts", "events", "feed", "--after", "4", "--follow", "--json", "--persist-to", dir],
      {
        cwd: PROJECT_ROOT,
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    try {
      let out = "";
      const seen = new Promise<void>((resolve) =>
        follow.stdout.setEncoding("utf8").on("data", (chunk: string) => {
          out += chunk;
          if (out.includes('"seq":5')) resolve();
        }),
      );
      await seedEvents("feed", [5]);
      await seen;
      expect(lines(out).map((e) => e.seq)).toEqual([5]);
    } finally {
      follow.kill();
    }

    await d1Rows(dir, "DELETE FROM events WHERE tenant_id = 'feed' AND seq <= 2");
    const pruned = await runCli(["events", "feed", "--after", "0", "--json", "--persist-to", dir]);
    expect(pruned.stderr).toMatch(/events 1 to 2 are past retention; printing from 3/);
    expect(lines(pruned.stdout).map((e) => e.seq)).toEqual([3, 4, 5]);

    const unknown = await runCli(["events", "nobody", "--persist-to", dir]);
    expect(unknown.stderr).toMatch(/unknown tenant "nobody"/);
  });
});

describe("README's replica script (src/examples/admin-replica.mjs)", () => {
  test("snapshots a tenant, follows its feed by long polling, and ends equal to what SCIM shows", async () => {
    const { token } = await cli("create", "mirror");
    const { key } = await cli("admin-key", "create", "--tenant", "mirror");
    const scim = async (method: string, path: string, body?: unknown) => {
      const response = await worker.tenantFetch("mirror", `/scim/v2${path}`, {
        method,
        headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/scim+json" },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      return (await response.json().catch(() => undefined)) as any;
    };
    const user = (n: number) => scim("POST", "/Users", { userName: `m${n}@contoso.com`, active: true });
    const ada = await user(1);
    const bob = await user(2);
    const group = await scim("POST", "/Groups", { displayName: "Mirrors", members: [{ value: ada.id }, { value: bob.id }] });

    const replicaFile = join(dir, "replica.json");
    const script = spawn(process.execPath, ["src/examples/admin-replica.mjs"], {
      cwd: PROJECT_ROOT,
      stdio: ["ignore", "ignore", "pipe"],
      env: { ...process.env, ADMIN_URL: worker.origin, ADMIN_KEY: key, TENANT: "mirror", REPLICA: replicaFile },
    });
    let stderr = "";
    script.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
    const lastSeq = async () => (await admin(key, "/tenants")).body.tenants[0].lastSeq;
    const replicaAt = async (seq: number) => {
      let replica: any;
      for (let i = 0; i < 150 && replica?.seq !== seq; i++) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        replica = await readFile(replicaFile, "utf8").then(JSON.parse, () => undefined);
      }
      return replica;
    };
    try {
      // The snapshot first; what follows reaches the replica only through the feed.
      expect((await replicaAt(await lastSeq())).seq).toBe(await lastSeq());
      const carol = await user(3);
      await scim("PATCH", `/Users/${ada.id}`, { schemas: [PATCH], Operations: [{ op: "replace", path: "active", value: false }] });
      await scim("PATCH", `/Groups/${group.id}`, {
        schemas: [PATCH],
        Operations: [
          { op: "add", path: "members", value: [{ value: carol.id }] },
          { op: "remove", path: `members[value eq "${ada.id}"]` },
        ],
      });
      await scim("DELETE", `/Users/${bob.id}`);
      const target = await lastSeq();
      const replica = await replicaAt(target);
      expect(stderr).toBe("");
      expect(replica.seq).toBe(target);

      const inEvents = ({ groups: _g, members: _m, meta: { location: _l, ...meta }, ...rest }: any) => ({ ...rest, meta });
      const users = (await scim("GET", "/Users")).Resources;
      expect(replica.users).toEqual(Object.fromEntries(users.map((u: any) => [u.id, inEvents(u)])));
      const groups = (await scim("GET", "/Groups")).Resources;
      expect(replica.groups).toEqual(Object.fromEntries(groups.map((g: any) => [g.id, inEvents(g)])));
      expect(replica.members).toEqual({ [group.id]: { [carol.id]: "User" } });
    } finally {
      script.kill();
    }
  });
});
