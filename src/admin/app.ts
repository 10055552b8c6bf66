import { type Context, Hono } from "hono";
import { database } from "../db/client.ts";
import { tenantsInScope } from "../db/admin.ts";
import { logInternalError, logStorageFailure } from "../lib/error-report.ts";
import { isStorageFailure } from "../lib/storage-failure.ts";
import { type AdminEnv, adminAuth, scopedTenant } from "./auth.ts";
import { AdminError } from "./errors.ts";
import { parseTypes, readFeed } from "./feed.ts";
import { clampedInt, seqParam } from "./params.ts";
import { cursorParam, healthOf, instantParam, requestsPage, statusParam } from "./requests.ts";
import { groupsPage, membersPage, oneGroup, oneUser, type PageRequest, type SnapshotRequest, usersPage } from "./snapshot.ts";
import {
  addWebhook,
  deleteWebhook,
  fromSeqOf,
  listWebhooks,
  oneWebhook,
  readBody,
  restartWebhook,
  rotateWebhookSecret,
  webhookDeliveries,
} from "./webhooks.ts";

// The admin API for the SaaS product's backend (README: Admin API), at /admin/v1 on the
// single-host origin. Handlers parse, make one domain call and render JSON.

const MAX_PAGE = 1000;
const DEFAULT_PAGE = 100;
const MAX_WAIT_SECONDS = 30;

const snapshotOf = (c: Context<AdminEnv>): SnapshotRequest => ({
  env: c.env,
  tenant: c.var.tenant,
});

const pageOf = (c: Context<AdminEnv>): PageRequest => ({
  ...snapshotOf(c),
  limit: clampedInt(c.req.query("limit"), "limit", 1, MAX_PAGE, DEFAULT_PAGE),
  cursor: c.req.query("cursor") || undefined,
});

function renderError(c: Context<AdminEnv>, error: AdminError) {
  c.set("errorType", error.code);
  const headers: Record<string, string> = {};
  if (error.status === 401) headers["WWW-Authenticate"] = 'Bearer realm="admin"';
  if (error.retryAfterSeconds !== undefined) headers["Retry-After"] = String(error.retryAfterSeconds);
  return c.json(error.body(), error.status as 400, headers);
}

export function adminApi() {
  const api = new Hono<AdminEnv>();
  api.use("*", adminAuth);
  api.use("/tenants/:tenant/*", scopedTenant);

  api.get("/tenants", async (c) => c.json({ tenants: await tenantsInScope(database(c.env.DB), c.var.adminScope) }));

  api.get("/tenants/:tenant/events", async (c) =>
    c.json(
      await readFeed({
        env: c.env,
        tenant: c.var.tenant,
        after: seqParam(c.req.query("after"), "after"),
        limit: clampedInt(c.req.query("limit"), "limit", 1, MAX_PAGE, DEFAULT_PAGE),
        types: parseTypes(c.req.query("types")),
        waitMs: clampedInt(c.req.query("wait"), "wait", 0, MAX_WAIT_SECONDS, 0) * 1000,
      }),
    ),
  );

  api.get("/tenants/:tenant/users", async (c) => c.json(await usersPage(pageOf(c))));
  api.get("/tenants/:tenant/users/:id", async (c) => c.json(await oneUser(snapshotOf(c), c.req.param("id"))));
  api.get("/tenants/:tenant/groups", async (c) => c.json(await groupsPage(pageOf(c))));
  api.get("/tenants/:tenant/groups/:id", async (c) => c.json(await oneGroup(snapshotOf(c), c.req.param("id"))));
  api.get("/tenants/:tenant/groups/:id/members", async (c) => c.json(await membersPage(pageOf(c), c.req.param("id"))));

  const hook = "/tenants/:tenant/webhooks/:id";
  const id = (c: Context<AdminEnv>) => c.req.param("id") ?? "";
  api.get("/tenants/:tenant/webhooks", async (c) => c.json(await listWebhooks(snapshotOf(c))));
  api.post("/tenants/:tenant/webhooks", async (c) => c.json(await addWebhook(snapshotOf(c), await readBody(c.req.raw)), 201));
  api.get(hook, async (c) => c.json(await oneWebhook(snapshotOf(c), id(c))));
  api.delete(hook, async (c) => c.json(await deleteWebhook(snapshotOf(c), id(c))));
  api.post(`${hook}/rotate-secret`, async (c) => c.json(await rotateWebhookSecret(snapshotOf(c), id(c))));
  api.post(`${hook}/enable`, async (c) => c.json(await restartWebhook(snapshotOf(c), id(c))));
  api.post(`${hook}/redeliver`, async (c) => c.json(await restartWebhook(snapshotOf(c), id(c), fromSeqOf(await readBody(c.req.raw)))));
  api.get(`${hook}/deliveries`, async (c) => {
    const limit = clampedInt(c.req.query("limit"), "limit", 1, MAX_PAGE, DEFAULT_PAGE);
    return c.json(await webhookDeliveries(snapshotOf(c), id(c), limit, c.req.query("cursor") || undefined));
  });
  api.get("/tenants/:tenant/requests", async (c) =>
    c.json(
      await requestsPage(c.env, c.var.tenant, {
        status: statusParam(c.req.query("status")),
        since: instantParam(c.req.query("since"), "since"),
        until: instantParam(c.req.query("until"), "until"),
        limit: clampedInt(c.req.query("limit"), "limit", 1, MAX_PAGE, DEFAULT_PAGE),
        cursor: cursorParam(c.req.query("cursor")),
      }),
    ),
  );
  api.get("/tenants/:tenant/health", async (c) => c.json(await healthOf(c.env, c.var.tenant, new Date())));

  api.all("*", () => {
    throw new AdminError("not_found", "no such endpoint");
  });

  api.onError((err, c) => {
    if (err instanceof AdminError) return renderError(c, err);
    if (isStorageFailure(err)) {
      logStorageFailure("storage_failed", err);
      return renderError(c, new AdminError("unavailable", "storage is temporarily unavailable; retry the request", {}, 30));
    }
    c.set("errorType", "internal");
    logInternalError(err);
    return c.json({ error: "internal", detail: "internal error" }, 500);
  });
  return api;
}
