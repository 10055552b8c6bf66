import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { database } from "../../src/db/client.ts";
import { lastSeq, oldestRetainedSeq, readEvents } from "../../src/events/read.ts";

// The feed's read side on rows put in place with SQL, independent of how writes record them.

const db = database(env.DB);

async function seedEvents(tenant: string, seqs: number[], counter: number) {
  await env.DB.batch([
    ...seqs.map((seq) =>
      env.DB.prepare(
        `INSERT INTO events (tenant_id, seq, id, type, time, resource_type, resource_id, data, previous, extra)
         VALUES (?, ?, ?, ?, '2026-01-01T00:00:00.000Z', 'User', 'u1', '{"userName":"a"}', ?, ?)`,
      ).bind(
        tenant,
        seq,
        `${tenant}-${seq}`,
        seq % 2 === 0 ? "user.updated" : "user.deleted",
        seq % 2 === 0 ? '{"active":true}' : null,
        seq % 2 === 0 ? null : '{"soft":true}',
      ),
    ),
    env.DB.prepare("INSERT INTO tenant_event_counters (tenant_id, last_seq) VALUES (?, ?)").bind(tenant, counter),
  ]);
}

describe("reading the change feed", () => {
  it("turns rows into events, ascending after the cursor, limited, filtered by type and scoped by tenant", async () => {
    await seedEvents("read-a", [1, 2, 3, 4, 5], 5);
    await seedEvents("read-b", [1, 2], 2);
    const all = await readEvents(db, "read-a", { after: 1, limit: 3 });
    expect(all.map((e) => e.seq)).toEqual([2, 3, 4]);
    expect(all[0]).toEqual({
      seq: 2,
      id: "read-a-2",
      type: "user.updated",
      time: "2026-01-01T00:00:00.000Z",
      tenant: "read-a",
      resource: { type: "User", id: "u1" },
      data: { userName: "a" },
      previous: { active: true },
    });
    expect(all[1]).toMatchObject({ seq: 3, type: "user.deleted", soft: true });
    expect(all[1]).not.toHaveProperty("previous");
    expect((await readEvents(db, "read-a", { after: 0, limit: 10, types: ["user.deleted"] })).map((e) => e.seq)).toEqual([1, 3, 5]);
    expect(await readEvents(db, "read-a", { after: 0, limit: 10, types: [] })).toEqual([]);
    expect((await readEvents(db, "read-b", { after: 0, limit: 10 })).map((e) => e.tenant)).toEqual(["read-b", "read-b"]);
  });

  it("knows the last seq from the counter and the oldest retained seq, also once everything was pruned", async () => {
    expect(await lastSeq(db, "read-none")).toBe(0);
    expect(await oldestRetainedSeq(db, "read-none")).toBe(1);
    await seedEvents("read-c", [7, 8], 8);
    expect(await lastSeq(db, "read-c")).toBe(8);
    expect(await oldestRetainedSeq(db, "read-c")).toBe(7);
    await env.DB.prepare("DELETE FROM events WHERE tenant_id = 'read-c'").run();
    expect(await lastSeq(db, "read-c")).toBe(8);
    expect(await oldestRetainedSeq(db, "read-c")).toBe(9);
  });
});
