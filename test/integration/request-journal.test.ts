import { abortAllDurableObjects, env, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { BULK_REQUEST } from "../../src/scim/bulk.ts";
import { awaitLogRows, logRows, type StoredLogRow } from "../helpers/request-log.ts";
import { createTenant, entraUser, PATCH_OP } from "../helpers/scim-client.ts";

// A successful write's provisioning-log row is journaled by the tenant's writer before the answer
// (README: Provisioning log, "What can be lost"). Losing the Worker's buffer (an isolate crash) is
// played by deleting what its flush wrote: the writer's alarm must bring every such row back.

const writerOf = (tenant: string) => env.WRITER.get(env.WRITER.idFromName(tenant));

/** Drops the rows of successful requests, as an isolate dying before its flush would have. */
async function loseBufferedRows(tenant: string) {
  await env.DB.prepare("DELETE FROM request_log WHERE tenant_id = ? AND status < 400").bind(tenant).run();
}

/** Rows in the writer's journal; none when it never journaled (no table yet). */
const journalSize = (tenant: string) =>
  runInDurableObject(writerOf(tenant), (_, state) => {
    const sql = state.storage.sql;
    const exists = sql.exec("SELECT 1 FROM sqlite_master WHERE name = 'request_journal'").toArray().length > 0;
    return exists ? sql.exec<{ n: number }>("SELECT count(*) AS n FROM request_journal").one().n : 0;
  });

const outcome = (r: StoredLogRow) => [r.id, r.method, r.path, r.status, r.resource_id, r.credential_kind, r.credential_id];

describe("the writer's journal of successful writes", () => {
  it("brings back each successful write's row, under the Worker's id, after the writer was reset", async () => {
    const tenant = await createTenant("jrn");
    const created = await tenant.client.post("/Users", entraUser("ada@contoso.com"), { "client-request-id": "corr-j" });
    const id = created.body.id as string;
    expect((await tenant.client.get(`/Users/${id}`)).status).toBe(200);
    expect((await tenant.client.post("/Users", entraUser("ada@contoso.com"))).status).toBe(409);
    const patch = { schemas: [PATCH_OP], Operations: [{ op: "replace", path: "active", value: false }] };
    expect((await tenant.client.patch(`/Users/${id}`, patch)).status).toBe(200);
    expect((await tenant.client.put(`/Users/${id}`, entraUser("ada@contoso.com"))).status).toBe(200);
    expect((await tenant.client.delete(`/Users/${id}`)).status).toBe(204);
    const written = await awaitLogRows(tenant.name, 6);
    expect(await journalSize(tenant.name)).toBe(4);

    await loseBufferedRows(tenant.name);
    await abortAllDurableObjects();
    expect(await runDurableObjectAlarm(writerOf(tenant.name))).toBe(true);

    const writes = written.filter((r) => r.method !== "GET");
    const restored = await logRows(tenant.name);
    // The read's row is gone for good (README: a lost successful read is accepted); the 409's was written before its answer.
    expect(restored.map(outcome)).toEqual(writes.map(outcome));
    expect(restored[0]).toMatchObject({ correlation_id: "corr-j", time: written[0].time });
    for (const row of restored) expect(row.duration_ms).toBeGreaterThanOrEqual(0);
    expect(await journalSize(tenant.name)).toBe(0);
  });

  it("the Worker's row and the journal's are one row: the copy inserts nothing new", async () => {
    const tenant = await createTenant("jrn");
    await tenant.client.post("/Users", entraUser("bo@contoso.com"));
    const [row] = await awaitLogRows(tenant.name, 1);
    expect(await runDurableObjectAlarm(writerOf(tenant.name))).toBe(true);
    expect(await logRows(tenant.name)).toEqual([row]);
  });

  it("loses no successful write when the writer is reset mid-burst and the Worker's buffer is lost", async () => {
    const tenant = await createTenant("jrn");
    const burst = Array.from({ length: 40 }, (_, i) => tenant.client.post("/Users", entraUser(`burst${i}@contoso.com`)));
    await Promise.race(burst);
    await abortAllDurableObjects();
    const more = Array.from({ length: 20 }, (_, i) => tenant.client.post("/Users", entraUser(`after${i}@contoso.com`)));
    const answers = await Promise.all([...burst, ...more]);
    await awaitLogRows(tenant.name, answers.length);
    await loseBufferedRows(tenant.name);
    await abortAllDurableObjects();
    await runDurableObjectAlarm(writerOf(tenant.name));

    const rows = await logRows(tenant.name);
    const createdIds = answers.filter((a) => a.status === 201).map((a) => a.body.id as string);
    expect(createdIds.length).toBeGreaterThan(0);
    expect(answers.some((a) => a.status === 503)).toBe(true);
    expect(
      rows
        .filter((r) => r.status === 201)
        .map((r) => r.resource_id)
        .sort(),
    ).toEqual(createdIds.sort());
    expect(rows.length).toBe(answers.length);
  });

  it("writes a Bulk request's row before its answer: its writer calls journal nothing", async () => {
    const tenant = await createTenant("jrn");
    const response = await tenant.client.post("/Bulk", {
      schemas: [BULK_REQUEST],
      Operations: [{ method: "POST", path: "/Users", bulkId: "a", data: entraUser("cy@contoso.com") }],
    });
    expect(response.status).toBe(200);
    expect((await logRows(tenant.name)).map((r) => [r.method, r.path, r.status])).toEqual([["POST", "/scim/v2/Bulk", 200]]);
    expect(await journalSize(tenant.name)).toBe(0);
  });
});
