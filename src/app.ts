import { Hono } from "hono";
import { adminApi } from "./admin/app.ts";
import { consoleApp } from "./console/app.tsx";
import type { AppEnv } from "./env.ts";
import { scimJson } from "./http/respond.ts";
import { scimRoutingPath } from "./http/scim-path.ts";
import { requestUrl } from "./http/url.ts";
import { bearerAuth } from "./middleware/auth.ts";
import { provisioningLog } from "./middleware/provisioning-log.ts";
import { requestLog } from "./middleware/request-log.ts";
import { tenantConfig } from "./middleware/tenant-config.ts";
import { tenantRateLimit } from "./middleware/tenant-rate-limit.ts";
import { bulkRoutes } from "./routes/bulk.ts";
import { discovery } from "./routes/discovery.ts";
import { oauth } from "./routes/oauth.ts";
import { groups, groupStore } from "./routes/groups.ts";
import { rootSearch } from "./routes/search.ts";
import { users, userStore } from "./routes/users.ts";
import { unavailable } from "./durable/result.ts";
import { logInternalError, logStorageFailure } from "./lib/error-report.ts";
import { isStorageFailure } from "./lib/storage-failure.ts";
import { errorBody, ScimError } from "./scim/errors.ts";

function scimApi() {
  const api = new Hono<AppEnv>();
  api.use("*", bearerAuth, tenantConfig, tenantRateLimit);
  api.route("/Users", users);
  api.route("/Groups", groups);
  api.route("/.search", rootSearch([userStore, groupStore]));
  api.route("/Bulk", bulkRoutes([userStore, groupStore]));
  // RFC 7644 §3.11: /Me needs a token bound to a user; ours are bound to a tenant.
  api.all("/Me", () => {
    throw new ScimError(501, "/Me is not supported: tokens here authenticate a tenant, not a user");
  });
  api.route("/", discovery);
  return api;
}

export function createApp() {
  const app = new Hono<AppEnv>({ getPath: scimRoutingPath });
  app.use("*", requestLog);
  app.use("*", provisioningLog);
  // Liveness for load balancers and the benchmark's harness ceiling: touches no binding.
  app.get("/health", (c) => c.text("ok"));
  // RFC 6749 token endpoint for OAuth client credentials and workload identity federation.
  app.route("/oauth", oauth);
  // The same API at /scim/v2 (the Tenant URL we hand out) and /scim (what some clients assume).
  app.route("/scim/v2", scimApi());
  app.route("/scim", scimApi());
  // The SaaS product's backend: admin keys, on the single-host origin only (admin/auth.ts).
  app.route("/admin/v1", adminApi());
  // The operator console (README: Console), on the single-host origin as well.
  app.route("/console", consoleApp());

  app.notFound((c) => {
    // A known path with an unsupported method is a 405, anything else a 404.
    const known = /^\/scim(\/v2)?\/(Users|Groups|Bulk|\.search|ServiceProviderConfig|ResourceTypes|Schemas)(\/[^/]+)?\/?$/i.test(
      requestUrl(c).pathname,
    );
    const error = known ? new ScimError(405, `${c.req.method} is not supported here`) : new ScimError(404, "no such endpoint");
    return scimJson(c, errorBody(error.toData()), error.status);
  });

  app.onError((err, c) => {
    if (err instanceof ScimError) {
      c.set("errorType", err.scimType ?? `http_${err.status}`);
      const headers: Record<string, string> = {};
      if (err.status === 401) headers["WWW-Authenticate"] = 'Bearer realm="scim"';
      if (err.retryAfterSeconds !== undefined) headers["Retry-After"] = String(err.retryAfterSeconds);
      return scimJson(c, errorBody(err.toData()), err.status, headers);
    }
    // The platform's storage failing (D1, KV or a Durable Object reset, unreachable or overloaded)
    // is worth a retry: 503. Anything else is a bug, which a retry would repeat: 500, and its stack in the log.
    if (isStorageFailure(err)) {
      c.set("errorType", "unavailable");
      logStorageFailure("storage_failed", err);
      const error = unavailable();
      return scimJson(c, errorBody(error.toData()), 503, { "Retry-After": String(error.retryAfterSeconds) });
    }
    c.set("errorType", "internal");
    logInternalError(err);
    return scimJson(c, errorBody({ status: 500, detail: "internal error" }), 500);
  });
  return app;
}
