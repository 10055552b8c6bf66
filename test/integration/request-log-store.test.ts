import { abortAllDurableObjects, createExecutionContext, createScheduledController, env, waitOnExecutionContext } from "cloudflare:test";
import { describe, expect, it, vi } from "vitest";
import { database } from "../../src/db/client.ts";
import worker from "../../src/index.ts";
import { sha256Hex } from "../../src/lib/crypto.ts";
import {
  failureGroups,
  hourlyCounts,
  listRequestsQuery,
  resourceRequestsQuery,
  tenantHealth,
  tenantsActivity,
  tenantsActivityQuery,
} from "../../src/requests/read.ts";
import { type LogRow, logId, recordLater, settled } from "../../src/requests/record.ts";
import { adminGet, createAdminKey } from "../helpers/admin.ts";
import { CLIENT_CREDENTIALS, createClient, tokenCall } from "../helpers/oauth.ts";
import { statementPlan } from "../helpers/query-plan.ts";
import { awaitLogRows, captureBodiesUntil, logRows, seedLogRows } from "../helpers/request-log.ts";
import { createTenant, entraUser, PATCH_OP, q, scimClient } from "../helpers/scim-client.ts";

// The provisioning log (README: Provisioning log) through the Worker, as Entra calls it: what each
// request leaves, on which tenant, what never leaves a trace, and that a reset loses nothing.

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

describe("the provisioning log records", () => {
  it("every field of a request: method, path with the filter, status, duration, error, resource, credential, correlation id", async () => {
    const tenant = await createTenant("log");
    const created = await tenant.client.post("/Users", entraUser("Ada@contoso.com"), { "client-request-id": "corr-1" });
    const filter = `/Users?filter=${q('userName eq "Ada@contoso.com"')}`;
    expect((await tenant.client.get(filter)).status).toBe(200);
    expect((await tenant.client.post("/Users", entraUser("ada@contoso.com"))).status).toBe(409);
    const rows = await awaitLogRows(tenant.name, 3);
    const tokenId = (await sha256Hex(tenant.token)).slice(0, 12);
    expect(rows.map((r) => [r.method, r.path, r.status, r.resource_id])).toEqual([
      ["POST", "/scim/v2/Users", 201, created.body.id],
      ["GET", `/scim/v2${filter}`, 200, null],
      ["POST", "/scim/v2/Users", 409, null],
    ]);
    expect(rows[0]).toMatchObject({ credential_kind: "secret_token", credential_id: tokenId, correlation_id: "corr-1", scim_type: null });
    expect(rows[2]).toMatchObject({ scim_type: "uniqueness", request_body: null, response_body: null });
    expect(rows[2].detail).toMatch(/userName/);
    for (const row of rows) {
      expect(row.time).toBe(row.id.slice(0, 24));
      expect(row.duration_ms).toBeGreaterThanOrEqual(0);
    }
    const patched = await tenant.client.patch(`/Users/${created.body.id}`, {
      schemas: [PATCH_OP],
      Operations: [{ op: "replace", path: "active", value: false }],
    });
    expect(patched.status).toBe(200);
    expect((await awaitLogRows(tenant.name, 4))[3]).toMatchObject({ method: "PATCH", resource_id: created.body.id, status: 200 });
  });

  it("token-endpoint requests with the client id, and OAuth clients' SCIM requests", async () => {
    const tenant = await createTenant("log");
    const client = await createClient(tenant.name);
    const host = `${tenant.name}.localhost`;
    const wrong = await tokenCall({ host, basic: { id: client.clientId, secret: "wrong-secret" }, form: CLIENT_CREDENTIALS });
    expect(wrong.status).toBe(401);
    const issued = await tokenCall({ host, basic: { id: client.clientId, secret: client.secret }, form: CLIENT_CREDENTIALS });
    expect(issued.status).toBe(200);
    expect((await scimClient({ host, token: issued.body.access_token }).get("/Users")).status).toBe(200);
    const rows = await awaitLogRows(tenant.name, 3);
    expect(rows.map((r) => [r.path, r.status, r.credential_kind, r.credential_id, r.scim_type])).toEqual([
      ["/oauth/token", 401, "oauth_client", client.clientId, "invalid_client"],
      ["/oauth/token", 200, "oauth_client", client.clientId, null],
      ["/scim/v2/Users", 200, "oauth_client", client.clientId, null],
    ]);
    const stored = JSON.stringify(rows);
    for (const secret of [client.secret, issued.body.access_token, "wrong-secret"]) expect(stored).not.toContain(secret);
  });

  it("refused authentication on the tenant the host names; an unknown host or a bare single-host refusal leaves nothing", async () => {
    const tenant = await createTenant("log");
    const refused = await scimClient({ host: `${tenant.name}.localhost`, token: "scim_not_a_token" }).get("/Users");
    expect(refused.status).toBe(401);
    const [row] = await logRows(tenant.name);
    expect(row).toMatchObject({ status: 401, credential_kind: "none", credential_id: null, path: "/scim/v2/Users" });
    expect(JSON.stringify(row)).not.toContain("scim_not_a_token");

    const ghost = `ghost${crypto.randomUUID().slice(0, 8)}`;
    expect((await scimClient({ host: `${ghost}.localhost`, token: "scim_x" }).get("/Users")).status).toBe(401);
    expect((await scimClient({ host: "localhost", token: "scim_x" }).get("/Users")).status).toBe(401);
    const { results } = await env.DB.prepare("SELECT tenant_id FROM request_log WHERE tenant_id = ? OR path LIKE '%ghost%'")
      .bind(ghost)
      .all();
    expect(results).toEqual([]);
  });
});

describe("body capture", () => {
  it("keeps failed requests' bodies while on, redacted: no password, token or secret", async () => {
    const tenant = await createTenant("cap");
    await captureBodiesUntil(tenant.name, new Date(Date.now() + DAY));
    const user = await tenant.client.post("/Users", entraUser("Bo@contoso.com", { password: "Hunter2-Secret!" }));
    expect(user.status).toBe(201);
    const duplicate = await tenant.client.post("/Users", entraUser("bo@contoso.com", { password: "Hunter2-Secret!" }));
    expect(duplicate.status).toBe(409);
    const patch = await tenant.client.patch(`/Users/no-such-user`, {
      schemas: [PATCH_OP],
      Operations: [{ op: "replace", path: "password", value: "Patched-Secret!" }],
    });
    expect(patch.status).toBe(404);
    const rows = await awaitLogRows(tenant.name, 3);
    const failed = rows.filter((r) => r.status >= 400);
    expect(failed).toHaveLength(2);
    for (const row of failed) {
      expect(row.request_body).toContain("[redacted]");
      expect(JSON.parse(row.response_body ?? "null")).toMatchObject({ status: String(row.status) });
    }
    expect(JSON.parse(failed[0].request_body ?? "null")).toMatchObject({ userName: "bo@contoso.com", password: "[redacted]" });
    expect(rows.find((r) => r.status === 201)).toMatchObject({ request_body: null, response_body: null });
    const stored = JSON.stringify(rows);
    for (const secret of ["Hunter2-Secret!", "Patched-Secret!", tenant.token]) expect(stored).not.toContain(secret);
  });

  it("turns itself off when its time is up", async () => {
    const tenant = await createTenant("cap");
    await captureBodiesUntil(tenant.name, new Date(Date.now() - 1000));
    expect((await tenant.client.get(`/Users?filter=${q("userName eq")}`)).status).toBe(400);
    const [row] = await logRows(tenant.name);
    expect(row).toMatchObject({ status: 400, scim_type: "invalidFilter", request_body: null, response_body: null });
  });

  it("keeps no body that cannot be redacted", async () => {
    const tenant = await createTenant("cap");
    await captureBodiesUntil(tenant.name, new Date(Date.now() + DAY));
    expect((await tenant.client.post("/Users", '{"userName": "x", "password": "Broken-Secret!"')).status).toBe(400);
    const [row] = await logRows(tenant.name);
    expect(row.request_body).toMatch(/not JSON: not kept/);
    expect(JSON.stringify(row)).not.toContain("Broken-Secret!");
  });
});

describe("GET /admin/v1/tenants/{t}/requests", () => {
  it("filters by status, since and until, and pages newest first by cursor", async () => {
    const tenant = await createTenant("adm");
    const { key } = await createAdminKey(tenant.name);
    const start = Date.now() - 10 * HOUR;
    await seedLogRows(
      tenant.name,
      [200, 201, 401, 409, 503, 200, 404].map((status, i) => ({ time: new Date(start + i * HOUR), status })),
    );
    const base = `/tenants/${tenant.name}/requests`;
    const statuses = async (query: string) => (await adminGet(`${base}${query}`, key)).body.requests.map((r: any) => r.status);
    expect(await statuses("")).toEqual([404, 200, 503, 409, 401, 201, 200]);
    expect(await statuses("?status=4xx")).toEqual([404, 409, 401]);
    expect(await statuses("?status=5xx")).toEqual([503]);
    expect(await statuses("?status=409")).toEqual([409]);
    const at = (i: number) => new Date(start + i * HOUR).toISOString();
    expect(await statuses(`?since=${at(2)}&until=${at(5)}`)).toEqual([503, 409, 401]);

    const seen: number[] = [];
    let cursor = "";
    for (let page = 0; page < 4; page++) {
      const { body } = await adminGet(`${base}?limit=3${cursor ? `&cursor=${cursor}` : ""}`, key);
      seen.push(...body.requests.map((r: any) => r.status));
      if (body.nextCursor === null) break;
      cursor = body.nextCursor;
    }
    expect(seen).toEqual([404, 200, 503, 409, 401, 201, 200]);
    const first = (await adminGet(`${base}?limit=1`, key)).body.requests[0];
    expect(first).toEqual({
      id: expect.any(String),
      time: at(6),
      method: "GET",
      path: "/scim/v2/Users",
      status: 404,
      durationMs: 5,
      scimType: null,
      detail: null,
      resourceId: null,
      credential: { kind: "secret_token", id: "abc" },
      correlationId: null,
    });
  });

  it("refuses a bad status, instant or cursor with a 400, and an unknown tenant with a 404", async () => {
    const tenant = await createTenant("adm");
    const { key } = await createAdminKey();
    for (const query of ["?status=6xx", "?status=abc", "?since=yesterday", "?until=2026-13-40T00:00:00Z", "?cursor=nope"]) {
      const response = await adminGet(`/tenants/${tenant.name}/requests${query}`, key);
      expect({ query, status: response.status, error: response.body.error }).toEqual({ query, status: 400, error: "bad_request" });
    }
    expect((await adminGet("/tenants/nosuchtenant/requests", key)).status).toBe(404);
    expect((await adminGet("/tenants/nosuchtenant/health", key)).status).toBe(404);
  });
});

describe("GET /admin/v1/tenants/{t}/health", () => {
  it("counts 24 h and 7 days with failures by status and scimType, percentiles and a verdict", async () => {
    const tenant = await createTenant("hl");
    const { key } = await createAdminKey(tenant.name);
    const now = Date.now();
    await seedLogRows(tenant.name, [
      { time: new Date(now - 3 * DAY), status: 500, durationMs: 900 },
      ...Array.from({ length: 6 }, (_, i) => ({ time: new Date(now - HOUR + i), status: 200, durationMs: 10 + i })),
      { time: new Date(now - HOUR + 10), status: 409, scimType: "uniqueness", durationMs: 30 },
      { time: new Date(now - HOUR + 11), status: 409, scimType: "uniqueness", durationMs: 40 },
      { time: new Date(now - HOUR + 12), status: 400, scimType: "invalidFilter", durationMs: 50 },
    ]);
    const { status, body } = await adminGet(`/tenants/${tenant.name}/health`, key);
    expect(status).toBe(200);
    expect(body).toMatchObject({ verdict: "at_risk", summary: "at risk: 33% failing" });
    expect(body.last24h).toEqual({
      requests: 9,
      failures: 3,
      failureRatio: 3 / 9,
      byStatus: { "400": 1, "409": 2 },
      byScimType: { invalidFilter: 1, uniqueness: 2 },
      p50Ms: 14,
      p95Ms: 50,
      lastRequestAt: new Date(now - HOUR + 12).toISOString(),
    });
    expect(body.last7d).toMatchObject({ requests: 10, failures: 4, byStatus: { "400": 1, "409": 2, "500": 1 }, p95Ms: 900 });
  });

  it("says idle with no requests and likely quarantined after 2 h of only 401s", async () => {
    const idle = await createTenant("hl");
    const { key } = await createAdminKey();
    expect((await adminGet(`/tenants/${idle.name}/health`, key)).body).toMatchObject({
      verdict: "idle",
      last24h: { requests: 0, p50Ms: null },
    });

    const locked = await createTenant("hl");
    const now = Date.now();
    await seedLogRows(locked.name, [
      { time: new Date(now - 5 * HOUR), status: 200 },
      ...Array.from({ length: 4 }, (_, i) => ({ time: new Date(now - 3 * HOUR + i * 40 * 60_000), status: 401 })),
    ]);
    expect((await adminGet(`/tenants/${locked.name}/health`, key)).body).toMatchObject({
      verdict: "likely_quarantined",
      summary: "likely quarantined: only 401s for 3 h",
    });
  });
});

describe("retention", () => {
  it("the scheduled handler drops rows past each tenant's retention (14 days unless its settings say otherwise)", async () => {
    const [standard, short] = [await createTenant("ret"), await createTenant("ret")];
    const now = Date.now();
    for (const t of [standard, short]) {
      await seedLogRows(t.name, [
        { time: new Date(now - 20 * DAY), status: 200 },
        { time: new Date(now - 10 * DAY), status: 200 },
        { time: new Date(now - HOUR), status: 200 },
      ]);
    }
    await env.DB.prepare(
      "INSERT INTO tenant_settings (tenant_id, allowed_domains, delete_mode, groups_enabled, request_log_retention_days, updated_at) VALUES (?, '[]', 'hard', 1, 2, ?)",
    )
      .bind(short.name, new Date().toISOString())
      .run();
    const ctx = createExecutionContext();
    worker.scheduled(createScheduledController({ scheduledTime: now, cron: "0 * * * *" }), env, ctx);
    await waitOnExecutionContext(ctx);
    expect((await logRows(standard.name)).length).toBe(2);
    expect((await logRows(short.name)).length).toBe(1);
  });
});

describe("a writer reset mid-burst", () => {
  it("loses no failure and no successful write", async () => {
    const tenant = await createTenant("rst");
    const burst = Array.from({ length: 40 }, (_, i) => {
      const userName = i % 4 === 3 ? "same@contoso.com" : `burst${i}@contoso.com`;
      return tenant.client.post("/Users", entraUser(userName));
    });
    // Once the writer has answered one, the rest are queued in it or on their way.
    await Promise.race(burst);
    await abortAllDurableObjects();
    const more = Array.from({ length: 20 }, (_, i) => tenant.client.post("/Users", entraUser(`after${i}@contoso.com`)));
    const statuses = (await Promise.all([...burst, ...more])).map((r) => r.status);
    const expected = statuses.reduce<Record<number, number>>((acc, s) => ({ ...acc, [s]: (acc[s] ?? 0) + 1 }), {});
    const rows = await awaitLogRows(tenant.name, statuses.length);
    const recorded = rows.reduce<Record<number, number>>((acc, r) => ({ ...acc, [r.status]: (acc[r.status] ?? 0) + 1 }), {});
    expect(recorded).toEqual(expected);
    // The reset did land mid-burst: the writes it cut off were answered 503.
    expect(expected[503]).toBeGreaterThan(0);
    expect(expected[201]).toBeGreaterThan(0);
  });
});

describe("buffered rows", () => {
  const readRow = (tenant: string): LogRow => {
    const time = new Date().toISOString();
    return {
      tenant,
      id: logId(time),
      time,
      method: "GET",
      path: "/scim/v2/Users",
      status: 200,
      durationMs: 1,
      scimType: null,
      detail: null,
      resourceId: null,
      credentialKind: "secret_token",
      credentialId: null,
      correlationId: null,
      requestBody: null,
      responseBody: null,
    };
  };

  it("one flush per window, held by the read that opened it; a window cancelled with its read is opened again by the next", async () => {
    const tenant = await createTenant("window");
    const db = database(env.DB);
    await settled();
    vi.useFakeTimers();
    try {
      const held: Promise<unknown>[] = [];
      const hold = (work: Promise<unknown>) => held.push(work);
      recordLater(db, readRow(tenant.name), hold);
      recordLater(db, readRow(tenant.name), hold);
      expect(held).toHaveLength(1);
      // The opener's timer dies with its request; the row after it only joins the window.
      vi.clearAllTimers();
      recordLater(db, readRow(tenant.name), hold);
      expect(held).toHaveLength(1);
      vi.setSystemTime(Date.now() + 400);
      recordLater(db, readRow(tenant.name), hold);
      expect(held).toHaveLength(2);
      await vi.advanceTimersByTimeAsync(200);
      await held[1];
    } finally {
      vi.useRealTimers();
    }
    expect(await logRows(tenant.name)).toHaveLength(4);
  });
});

describe("what the console reads", () => {
  it("hourly counts with every hour present, and failures grouped by reason with the latest 3", async () => {
    const tenant = await createTenant("con");
    const now = new Date();
    const hourStart = Math.floor(now.getTime() / HOUR) * HOUR;
    await seedLogRows(tenant.name, [
      { time: new Date(hourStart - 2 * HOUR + 1), status: 200 },
      { time: new Date(hourStart - 2 * HOUR + 2), status: 401 },
      ...Array.from({ length: 5 }, (_, i) => ({ time: new Date(hourStart + i), status: 409, scimType: "uniqueness" })),
      { time: new Date(hourStart + 10), status: 200 },
    ]);
    const db = database(env.DB);
    const hours = await hourlyCounts(db, tenant.name, now, 4);
    expect(hours.map((h) => [h.hour, h.requests, h.failures])).toEqual([
      [new Date(hourStart - 3 * HOUR).toISOString(), 0, 0],
      [new Date(hourStart - 2 * HOUR).toISOString(), 2, 1],
      [new Date(hourStart - HOUR).toISOString(), 0, 0],
      [new Date(hourStart).toISOString(), 6, 5],
    ]);
    const groups = await failureGroups(db, tenant.name, new Date(hourStart - DAY));
    expect(groups.map((g) => [g.reason, g.count, g.latest.length])).toEqual([
      ["409 uniqueness", 5, 3],
      ["401 unauthorized", 1, 1],
    ]);
    expect(groups[0].latest.map((r) => r.time)).toEqual([4, 3, 2].map((i) => new Date(hourStart + i).toISOString()));
  });

  it("every tenant's 24 h and verdict in one statement, as each one's own health says", async () => {
    const [busy, locked, idle] = [await createTenant("con"), await createTenant("con"), await createTenant("con")];
    const now = new Date();
    await seedLogRows(busy.name, [
      { time: new Date(now.getTime() - 30 * HOUR), status: 500 },
      { time: new Date(now.getTime() - 3 * HOUR), status: 200 },
      { time: new Date(now.getTime() - 2 * HOUR), status: 409, scimType: "uniqueness" },
    ]);
    await seedLogRows(locked.name, [
      { time: new Date(now.getTime() - 4 * HOUR), status: 200 },
      { time: new Date(now.getTime() - 3 * HOUR), status: 401 },
      { time: new Date(now.getTime() - 1 * HOUR), status: 401 },
    ]);
    const db = database(env.DB);
    const all = await tenantsActivity(db, "*", now);
    for (const tenant of [busy, locked, idle]) {
      const health = await tenantHealth(db, tenant.name, now);
      expect(all.get(tenant.name), tenant.name).toEqual({
        verdict: health.verdict,
        summary: health.summary,
        requests: health.last24h.requests,
        failureRatio: health.last24h.failureRatio,
        lastRequestAt: health.last24h.lastRequestAt,
      });
    }
    expect(all.get(busy.name)).toMatchObject({ requests: 2, failureRatio: 0.5, verdict: "at_risk" });
    expect(all.get(locked.name)).toMatchObject({ verdict: "likely_quarantined", summary: "likely quarantined: only 401s for 3 h" });
    expect(all.get(idle.name)?.verdict).toBe("idle");
    expect([...(await tenantsActivity(db, busy.name, now)).keys()]).toEqual([busy.name]);
    // Each tenant's week is a range of request_log's primary key: no scan of the whole log.
    const plan = await statementPlan(tenantsActivityQuery(db, "*", now));
    expect(plan).toMatch(/SEARCH request_log USING (COVERING )?INDEX sqlite_autoindex_request_log_1 \(tenant_id=\? AND id>\?\)/);
    expect(plan).not.toMatch(/SCAN request_log/);
  });

  it("failures from the partial index of failures; a successful status from the primary key, newest first", async () => {
    const db = database(env.DB);
    // The planner may prefer the primary key's time range when a window is given; without one, only
    // the index of failures avoids a scan, so these plans show the index serves each failure filter.
    for (const status of ["4xx", "5xx", "401"]) {
      const plan = await statementPlan(listRequestsQuery(db, "t1", { status, limit: 100 }));
      expect(plan, status).toMatch(/SEARCH request_log USING INDEX request_log_tenant_status \(tenant_id=\? AND status/);
    }
    const plan = await statementPlan(listRequestsQuery(db, "t1", { status: "200", limit: 100 }));
    expect(plan).toMatch(/SEARCH request_log USING INDEX sqlite_autoindex_request_log_1 \(tenant_id=\?\)/);
    expect(plan).not.toMatch(/TEMP B-TREE/);
  });

  it("a user's requests from the (tenant, resource, id) index, newest first without a sort", async () => {
    const plan = await statementPlan(resourceRequestsQuery(database(env.DB), "t1", "u1", 50));
    expect(plan).toMatch(/SEARCH request_log USING INDEX request_log_tenant_resource \(tenant_id=\? AND resource_id=\?\)/);
    expect(plan).not.toMatch(/TEMP B-TREE/);
  });
});
