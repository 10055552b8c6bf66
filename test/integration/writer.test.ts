import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { createTenant, entraUser, PATCH_OP } from "../helpers/scim-client.ts";

describe("one writer per tenant", () => {
  // The unique index on (tenant, lower(userName)) decides this one, queue or not: it tests the index.
  it("unique index: lets exactly one of 50 concurrent creates of one userName through", async () => {
    const { client, name } = await createTenant();
    const responses = await Promise.all(
      Array.from({ length: 50 }, (_, i) => client.post("/Users", entraUser(i % 2 ? "race@contoso.com" : "RACE@contoso.com"))),
    );
    const statuses = responses.map((r) => r.status).sort();
    expect(statuses.filter((s) => s === 201)).toHaveLength(1);
    expect(statuses.filter((s) => s === 409)).toHaveLength(49);
    const rows = await env.DB.prepare("SELECT count(*) AS n FROM users WHERE tenant_id = ?").bind(name).first<{ n: number }>();
    expect(rows?.n).toBe(1);
  });

  // Each PATCH reads the user, adds its email and writes the whole user back, guarded by the version
  // it read. Without the writer's queue they interleave, the guard refuses all but one of each round
  // and the rest answer 503: checked by running this with the queue removed.
  it("queue: loses none of 50 concurrent read-modify-write PATCHes adding different emails to one user", async () => {
    const { client } = await createTenant();
    const id = (await client.post("/Users", entraUser("many_emails", { emails: [] }))).body.id;
    const responses = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        client.patch(`/Users/${id}`, {
          schemas: [PATCH_OP],
          Operations: [{ op: "add", path: "emails", value: [{ value: `e${i}@x.com`, type: "other" }] }],
        }),
      ),
    );
    expect(responses.map((r) => r.status)).toEqual(Array(50).fill(200));
    const user = (await client.get(`/Users/${id}`)).body;
    expect(user.emails).toHaveLength(50);
    expect(new Set(user.emails.map((e: any) => e.value)).size).toBe(50);
    expect(user.meta.version).toBe('W/"51"');
  });

  it("keeps tenants' writers apart: the same userName races in two tenants and both win once", async () => {
    const a = await createTenant();
    const b = await createTenant();
    const responses = await Promise.all(
      Array.from({ length: 20 }, (_, i) => (i % 2 ? a : b).client.post("/Users", entraUser("shared@contoso.com"))),
    );
    expect(responses.filter((r) => r.status === 201)).toHaveLength(2);
  });

  it("answers a write that follows another from its memory, yet never overwrites a row changed outside it", async () => {
    const { client, name } = await createTenant();
    const created = (await client.post("/Users", entraUser("remembered"))).body;
    // An operator's SQL changes the row behind the writer's back.
    await env.DB.prepare(
      "UPDATE users SET data = json_set(data, '$.title', 'Set outside'), version = version + 1 WHERE tenant_id = ? AND id = ?",
    )
      .bind(name, created.id)
      .run();
    const patched = await client.patch(`/Users/${created.id}`, {
      schemas: [PATCH_OP],
      Operations: [{ op: "add", path: "nickName", value: "Remy" }],
    });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ title: "Set outside", nickName: "Remy", meta: { version: 'W/"3"' } });

    // If-Match names the version in D1, not the one the writer remembered.
    await env.DB.prepare("UPDATE users SET version = version + 1 WHERE tenant_id = ? AND id = ?").bind(name, created.id).run();
    const guarded = await client.patch(
      `/Users/${created.id}`,
      { schemas: [PATCH_OP], Operations: [{ op: "replace", path: "active", value: false }] },
      { "If-Match": 'W/"4"' },
    );
    expect(guarded.status).toBe(200);
    expect(guarded.body).toMatchObject({ active: false, title: "Set outside", nickName: "Remy", meta: { version: 'W/"5"' } });
    const stale = await client.patch(
      `/Users/${created.id}`,
      { schemas: [PATCH_OP], Operations: [{ op: "replace", path: "active", value: true }] },
      { "If-Match": 'W/"4"' },
    );
    expect(stale.status).toBe(412);
  });

  it("shows a user's groups in a PATCH answered from memory, though group writes don't touch the user", async () => {
    const { client } = await createTenant();
    const user = (await client.post("/Users", entraUser("joiner"))).body;
    const group = (await client.post("/Groups", { schemas: ["urn:ietf:params:scim:schemas:core:2.0:Group"], displayName: "Joined" })).body;
    await client.patch(`/Groups/${group.id}`, {
      schemas: [PATCH_OP],
      Operations: [{ op: "add", path: "members", value: [{ value: user.id }] }],
    });
    const patched = await client.patch(`/Users/${user.id}`, {
      schemas: [PATCH_OP],
      Operations: [{ op: "replace", path: "displayName", value: "J" }],
    });
    expect(patched.body.groups).toEqual([expect.objectContaining({ value: group.id, display: "Joined" })]);
  });
});
