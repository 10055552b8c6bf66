import type { Context } from "hono";
import { createMiddleware } from "hono/factory";
import { database } from "../db/client.ts";
import type { AppEnv } from "../env.ts";
import { requestUrl } from "../http/url.ts";
import { type LogRow, logId, recordLater, recordNow, type WriteLog } from "../requests/record.ts";
import { redactBody } from "../requests/redact.ts";
import { tenantFromHost } from "./tenant-host.ts";

// The provisioning log (README: Provisioning log): a row for every SCIM and token-endpoint request
// of a tenant, refused ones included. The tenant is the one the credential proved, else the one the
// host names, else (token endpoint on the single host) the one the client id names; a request with
// none of these belongs to no tenant and is not recorded. A user's successful create, replace or
// patch records its row in the write's own statement (migrations/0015), so the Worker writes none;
// any other successful write (a group's, a user's DELETE, Bulk) has its row written before its
// answer, as a failure's is; a successful read's or token request's row is buffered (requests/record.ts).

const LOGGED = /^\/(scim|oauth\/token)(\/|$)/i;
const RESOURCE = /\/(?:Users|Groups)\/([^/?]+)/i;
type Logged = NonNullable<AppEnv["Variables"]["logged"]>;
const BULK = /\/Bulk\/?$/i;
const MAX_PATH = 2048;
const MAX_CORRELATION = 128;
const MAX_DETAIL = 1024;

function tenantOf(c: Context<AppEnv>): string | undefined {
  if (c.var.tenant) return c.var.tenant;
  const host = tenantFromHost(requestUrl(c).host, c.env.BASE_DOMAIN);
  return host.kind === "tenant" ? host.tenant : c.var.logTenant;
}

/** A created resource's id is in its Location; any other's is in the path. */
function resourceOf(c: Context<AppEnv>, path: string): string | null {
  const location = c.res.status === 201 ? c.res.headers.get("Location") : null;
  const id = RESOURCE.exec(location ?? path)?.[1];
  return id === undefined ? null : decodeURIComponent(id);
}

/** scimType and detail of a SCIM error, or error and error_description of an OAuth one. */
function errorOf(body: string): { scimType: string | null; detail: string | null } {
  try {
    const parsed = JSON.parse(body) as Record<string, unknown>;
    const text = (value: unknown) => (typeof value === "string" ? value.slice(0, MAX_DETAIL) : null);
    return { scimType: text(parsed.scimType ?? parsed.error), detail: text(parsed.detail ?? parsed.error_description) };
  } catch {
    return { scimType: null, detail: null };
  }
}

/** The request body as the handler read it (Hono keeps it), or as it still is when nobody did. */
async function requestText(c: Context<AppEnv>): Promise<string> {
  const cached = c.req.bodyCache.text;
  if (cached) return cached;
  if (c.req.raw.bodyUsed || c.req.raw.body === null) return "";
  return c.req.text();
}

/** The request's row, but for its resource id and duration. */
function rowOf(c: Context<AppEnv>, { id, time }: Logged, tenant: string, status: number): WriteLog["row"] {
  const url = requestUrl(c);
  const credential = c.var.credential ?? { kind: "none", id: null };
  return {
    tenant,
    id,
    time,
    method: c.req.method,
    path: `${url.pathname}${url.search}`.slice(0, MAX_PATH),
    status,
    scimType: null,
    detail: null,
    credentialKind: credential.kind,
    credentialId: credential.id,
    correlationId: c.req.header("client-request-id")?.slice(0, MAX_CORRELATION) ?? null,
    requestBody: null,
    responseBody: null,
  };
}

/** The row for a user write to record if it succeeds and is answered `status`; none when the log is off or for Bulk. */
export function writeLogOf(c: Context<AppEnv>, status: number): WriteLog | undefined {
  const logged = c.var.logged;
  if (!logged?.loggable) return undefined;
  logged.recorded = true;
  return { row: rowOf(c, logged, c.var.tenant, status), elapsedMs: Date.now() - logged.started };
}

const WRITES = new Set(["POST", "PUT", "PATCH", "DELETE"]);
// POSTs that write nothing of the tenant's: a token request, a search.
const POSTED_READS = /^\/oauth\/token|\/\.search$/i;

export const provisioningLog = createMiddleware<AppEnv>(async (c, next) => {
  if (c.env.REQUEST_LOG === "off" || !LOGGED.test(c.req.path)) return next();
  const started = Date.now();
  const time = new Date(started).toISOString();
  const logged = { id: logId(time), time, started, loggable: !BULK.test(c.req.path), recorded: false };
  c.set("logged", logged);
  await next();
  if (logged.recorded && c.res.status < 400) return;
  const tenant = tenantOf(c);
  if (!tenant) return;
  const row: LogRow = {
    ...rowOf(c, logged, tenant, c.res.status),
    durationMs: Date.now() - started,
    resourceId: resourceOf(c, requestUrl(c).pathname),
  };
  const db = database(c.env.DB);
  if (c.res.status < 400) {
    // A write's row is never lost; a read's or a token request's may be (README: Provisioning log).
    if (WRITES.has(c.req.method) && !POSTED_READS.test(c.req.path)) await recordNow(db, row);
    else recordLater(db, row, (work) => c.executionCtx.waitUntil(work));
    return;
  }
  const responseText = await c.res.clone().text();
  Object.assign(row, errorOf(responseText));
  // Computed for every failure; D1 keeps them only while the tenant's capture is on (requests/record.ts).
  row.requestBody = redactBody(await requestText(c).catch(() => ""), c.req.header("Content-Type"));
  row.responseBody = redactBody(responseText, c.res.headers.get("Content-Type") ?? undefined);
  await recordNow(db, row);
});
