import { abortAllDurableObjects, env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { BULK_REQUEST } from "../../src/scim/bulk.ts";
import { awaitLogRows, logRows } from "../helpers/request-log.ts";
import { createTenant, entraUser, PATCH_OP } from "../helpers/scim-client.ts";

// A successful write's provisioning-log row is in D1 when its answer leaves (README: Provisioning
// log, "What can be lost"): a user's create, replace or patch records it in its own statement
// (migrations/0015), any other write has it written before its answer. So the rows are read here
// right after the answers, before any flush of the Worker's buffer could have run: an isolate dying
// after the answer has nothing of a write's to lose.

const GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group";
const patch = (...Operations: unknown[]) => ({ schemas: [PATCH_OP], Operations });
const outcome = (r: { method: string; path: string; status: number; resource_id: string | null }) => [
  r.method,
  r.path,
  r.status,
  r.resource_id,
];

describe("a successful write's row", () => {
  it("is in D1 when the answer leaves, for every kind of write; a read's comes after", async () => {
    const tenant = await createTenant("lw");
    const created = await tenant.client.post("/Users", entraUser("ada@contoso.com"), { "client-request-id": "corr-w" });
    const id = created.body.id as string;
    expect((await tenant.client.get(`/Users/${id}`)).status).toBe(200);
    expect((await tenant.client.post("/Users", entraUser("ada@contoso.com"))).status).toBe(409);
    expect((await tenant.client.patch(`/Users/${id}`, patch({ op: "replace", path: "active", value: false }))).status).toBe(200);
    expect((await tenant.client.put(`/Users/${id}`, entraUser("ada@contoso.com"))).status).toBe(200);
    const group = await tenant.client.post("/Groups", { schemas: [GROUP], displayName: "Sales" });
    const groupId = group.body.id as string;
    expect((await tenant.client.patch(`/Groups/${groupId}`, patch({ op: "add", path: "members", value: [{ value: id }] }))).status).toBe(
      204,
    );
    expect((await tenant.client.delete(`/Users/${id}`)).status).toBe(204);

    const users = `/scim/v2/Users`;
    const writes = [
      ["POST", users, 201, id],
      ["POST", users, 409, null],
      ["PATCH", `${users}/${id}`, 200, id],
      ["PUT", `${users}/${id}`, 200, id],
      ["POST", "/scim/v2/Groups", 201, groupId],
      ["PATCH", `/scim/v2/Groups/${groupId}`, 204, groupId],
      ["DELETE", `${users}/${id}`, 204, id],
    ];
    expect((await logRows(tenant.name)).map(outcome)).toEqual(writes);
    const rows = await awaitLogRows(tenant.name, writes.length + 1);
    expect(rows.map(outcome)).toEqual([writes[0], ["GET", `${users}/${id}`, 200, id], ...writes.slice(1)]);
    expect(rows[0]).toMatchObject({ correlation_id: "corr-w", credential_kind: "secret_token", scim_type: null, request_body: null });
    for (const row of rows) expect(row.duration_ms).toBeGreaterThanOrEqual(0);
  });

  it("never reaches the user's event", async () => {
    const tenant = await createTenant("lw");
    const created = await tenant.client.post("/Users", entraUser("bo@contoso.com"));
    await tenant.client.patch(`/Users/${created.body.id}`, patch({ op: "replace", path: "displayName", value: "Bo" }));
    const { results } = await env.DB.prepare("SELECT data, previous, extra FROM events WHERE tenant_id = ? ORDER BY seq")
      .bind(tenant.name)
      .all<Record<string, string | null>>();
    expect(results).toHaveLength(2);
    for (const event of results)
      for (const json of Object.values(event)) if (json) expect(Object.keys(JSON.parse(json))).not.toContain("log");
  });

  it("is one row when the write is retried by the writer after a stale memory: the first statement's guard wrote nothing", async () => {
    const tenant = await createTenant("lw");
    const created = await tenant.client.post("/Users", entraUser("cy@contoso.com"));
    const id = created.body.id as string;
    // The writer remembers version 1; moving the row on makes its first UPDATE match nothing, then it reads and writes again.
    await env.DB.prepare("UPDATE users SET version = version + 1 WHERE tenant_id = ? AND id = ?").bind(tenant.name, id).run();
    expect((await tenant.client.patch(`/Users/${id}`, patch({ op: "replace", path: "displayName", value: "Cy" }))).status).toBe(200);
    expect((await logRows(tenant.name)).map((r) => [r.method, r.status])).toEqual([
      ["POST", 201],
      ["PATCH", 200],
    ]);
  });

  it("is in D1 for every write answered 201 when the writer is reset mid-burst", async () => {
    const tenant = await createTenant("lw");
    const burst = Array.from({ length: 40 }, (_, i) => tenant.client.post("/Users", entraUser(`burst${i}@contoso.com`)));
    await Promise.race(burst);
    await abortAllDurableObjects();
    const more = Array.from({ length: 20 }, (_, i) => tenant.client.post("/Users", entraUser(`after${i}@contoso.com`)));
    const answers = await Promise.all([...burst, ...more]);
    const rows = await logRows(tenant.name);

    const createdIds = answers.filter((a) => a.status === 201).map((a) => a.body.id as string);
    expect(createdIds.length).toBeGreaterThan(0);
    expect(answers.some((a) => a.status === 503)).toBe(true);
    const logged = new Set(rows.filter((r) => r.status === 201).map((r) => r.resource_id));
    for (const id of createdIds) expect(logged).toContain(id);
    // A 503 whose write landed before the reset keeps the write's 201 row (same id, INSERT OR IGNORE): one row per request still.
    expect(rows.length).toBe(answers.length);
  });

  it("of a Bulk request is written before its answer, once: its writes record none of their own", async () => {
    const tenant = await createTenant("lw");
    const response = await tenant.client.post("/Bulk", {
      schemas: [BULK_REQUEST],
      Operations: [{ method: "POST", path: "/Users", bulkId: "a", data: entraUser("di@contoso.com") }],
    });
    expect(response.status).toBe(200);
    expect((await logRows(tenant.name)).map((r) => [r.method, r.path, r.status])).toEqual([["POST", "/scim/v2/Bulk", 200]]);
  });
});
