// The benchmark's floor: the same requests as the Entra cycle, answered with the one bare D1
// statement each needs at least, on the same tables and indexes as scim-edge. No auth, no
// validation, no Durable Object, no SCIM rendering: what scim-edge adds is the gap to this.
// Served beside the real Worker by test/harness/serve-worker.ts; the tenant is the host's first label.

/** The part of the D1 binding used here (this file is typechecked with Node's types, not Workers'). */
interface D1 {
  prepare(sql: string): { bind(...values: unknown[]): { run(): Promise<unknown>; all(): Promise<{ results: unknown[] }> } };
}

interface PatchBody {
  Operations?: { path?: string; value?: unknown }[];
}

const json = (body: unknown, status = 200) =>
  new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/scim+json" } });

/** The quoted value of Entra's `attr eq "value"` filter. */
const eqValue = (filter: string | null) => /^\w+ eq "(.*)"$/.exec(filter ?? "")?.[1] ?? "";

export default {
  async fetch(request: Request, env: { DB: D1 }): Promise<Response> {
    const url = new URL(request.url);
    const tenant = url.hostname.split(".")[0];
    const [, , , type, id] = url.pathname.split("/"); // /scim/v2/{type}/{id}
    const now = new Date().toISOString();
    const route = `${request.method} ${type}${id ? "/:id" : ""}`;

    switch (route) {
      case "GET Users": {
        const { results } = await env.DB.prepare("SELECT id, data FROM users WHERE tenant_id = ? AND lower(user_name) = lower(?)")
          .bind(tenant, eqValue(url.searchParams.get("filter")))
          .all();
        return json({ totalResults: results.length, Resources: results });
      }
      case "POST Users": {
        const body = (await request.json()) as { userName: string; externalId?: string };
        const newId = crypto.randomUUID();
        await env.DB.prepare(
          `INSERT INTO users (tenant_id, id, user_name, external_id, active, data, created, last_modified, version)
           VALUES (?, ?, ?, ?, 1, ?, ?, ?, 1)`,
        )
          .bind(tenant, newId, body.userName, body.externalId ?? null, JSON.stringify(body), now, now)
          .run();
        return json({ id: newId }, 201);
      }
      case "PATCH Users/:id": {
        const { Operations = [] } = (await request.json()) as PatchBody;
        const deactivate = Operations.some((op) => op.path === "active");
        await env.DB.prepare(
          `UPDATE users SET active = CASE WHEN ? THEN 0 ELSE active END, last_modified = ?, version = version + 1
           WHERE tenant_id = ? AND id = ?`,
        )
          .bind(deactivate ? 1 : 0, now, tenant, id)
          .run();
        return json({ id });
      }
      case "GET Groups": {
        const { results } = await env.DB.prepare(
          "SELECT id, display_name FROM groups WHERE tenant_id = ? AND lower(display_name) = lower(?)",
        )
          .bind(tenant, eqValue(url.searchParams.get("filter")))
          .all();
        return json({ totalResults: results.length, Resources: results });
      }
      case "POST Groups": {
        const body = (await request.json()) as { displayName: string; externalId?: string };
        const newId = crypto.randomUUID();
        await env.DB.prepare(
          `INSERT INTO groups (tenant_id, id, display_name, external_id, data, created, last_modified, version)
           VALUES (?, ?, ?, ?, ?, ?, ?, 1)`,
        )
          .bind(tenant, newId, body.displayName, body.externalId ?? null, JSON.stringify(body), now, now)
          .run();
        return json({ id: newId, members: [] }, 201);
      }
      case "PATCH Groups/:id": {
        const { Operations = [] } = (await request.json()) as PatchBody;
        const ids = Operations.flatMap((op) => (op.value as { value: string }[]).map((m) => m.value));
        await env.DB.prepare(
          `INSERT INTO group_members (tenant_id, group_id, member_id, member_type)
           SELECT ?, ?, value, 'User' FROM json_each(?) WHERE 1 ON CONFLICT DO NOTHING`,
        )
          .bind(tenant, id, JSON.stringify(ids))
          .run();
        return new Response(null, { status: 204 });
      }
      default:
        return json({ detail: `floor: no route for ${route}` }, 404);
    }
  },
};
