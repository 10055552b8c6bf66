import { database } from "../db/client.ts";
import { deliverWebhooks } from "../durable/client.ts";
import type { Env } from "../env.ts";
import { EVENT_TYPES, type EventType } from "../events/json.ts";
import { logStorageFailure } from "../lib/error-report.ts";
import { endpointView, MAX_ENDPOINTS, newWebhookId, ROTATION_OVERLAP_MS, WEBHOOK_ID } from "../webhooks/endpoint.ts";
import { newWebhookSecret } from "../webhooks/signature.ts";
import {
  type DeliveryRow,
  deliveriesOf,
  type EndpointRow,
  endpointOf,
  endpointsOf,
  insertEndpoint,
  removeEndpoint,
  restartEndpoint,
  rotateSecret,
  tenantRow,
} from "../webhooks/store.ts";
import { checkWebhookUrl } from "../webhooks/url-policy.ts";
import { AdminError, badParam, noSuchTenant } from "./errors.ts";

// /admin/v1/tenants/{t}/webhooks (README: Webhooks): a tenant's endpoints and their delivery logs.
// A change that gives an endpoint something to send asks the tenant's writer for a pass at once.

export interface WebhookRequest {
  env: Env;
  tenant: string;
}

const MAX_BODY_BYTES = 8192;

const noSuchWebhook = (id: string) => new AdminError("not_found", `no webhook "${id}" for this tenant`);

/** The request's JSON object, or {} when it has no body. */
export async function readBody(request: Request): Promise<Record<string, unknown>> {
  const text = await request.text();
  if (new TextEncoder().encode(text).byteLength > MAX_BODY_BYTES) throw badParam(`the body is larger than ${MAX_BODY_BYTES} bytes`);
  if (!text.trim()) return {};
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw badParam("the body is not valid JSON");
  }
  if (typeof body !== "object" || body === null || Array.isArray(body)) throw badParam("the body must be a JSON object");
  return body as Record<string, unknown>;
}

function typesOf(value: unknown): EventType[] | null {
  if (value === undefined || value === null) return null;
  if (!Array.isArray(value) || value.length === 0) throw badParam(`types must be a non-empty array of: ${EVENT_TYPES.join(", ")}`);
  const unknown = value.find((t) => !EVENT_TYPES.includes(t));
  if (unknown !== undefined) throw badParam(`unknown event type ${JSON.stringify(unknown)}: use ${EVENT_TYPES.join(", ")}`);
  return [...new Set(value as EventType[])];
}

/** The writer is asked, not awaited for delivery; unreachable, the next write or the cron starts the pass. */
async function kick(req: WebhookRequest) {
  try {
    await deliverWebhooks(req.env, req.tenant);
  } catch (error) {
    logStorageFailure("webhook_kick_failed", error);
  }
}

async function found(req: WebhookRequest, id: string): Promise<EndpointRow> {
  if (!WEBHOOK_ID.test(id)) throw noSuchWebhook(id);
  const [row] = await endpointOf(database(req.env.DB), req.tenant, id);
  if (!row) throw noSuchWebhook(id);
  return row;
}

export async function listWebhooks(req: WebhookRequest) {
  const db = database(req.env.DB);
  const [[tenant], rows] = await db.batch([tenantRow(db, req.tenant), endpointsOf(db, req.tenant)]);
  if (!tenant) throw noSuchTenant(req.tenant);
  const now = new Date();
  return { webhooks: rows.map((r) => endpointView(r, now)) };
}

export async function oneWebhook(req: WebhookRequest, id: string) {
  return endpointView(await found(req, id), new Date());
}

/** The secret is in this answer only. */
export async function addWebhook(req: WebhookRequest, body: Record<string, unknown>) {
  if (typeof body.url !== "string") throw badParam("url is required: the https:// URL deliveries are POSTed to");
  const verdict = checkWebhookUrl(body.url, { allowLocalHttp: req.env.WEBHOOK_ALLOW_LOCAL_HTTP === "true" });
  if (!verdict.ok) throw badParam(`url refused: ${verdict.reason}`);
  const types = typesOf(body.types);
  const db = database(req.env.DB);
  const endpoint = { id: newWebhookId(), url: verdict.url, types, secret: newWebhookSecret(), createdAt: new Date().toISOString() };
  const { meta } = await insertEndpoint(db, req.tenant, endpoint, MAX_ENDPOINTS);
  if (meta.changes === 0) {
    const [tenant] = await tenantRow(db, req.tenant);
    if (!tenant) throw noSuchTenant(req.tenant);
    throw badParam(`a tenant has at most ${MAX_ENDPOINTS} webhooks: remove one first`);
  }
  await kick(req);
  return { id: endpoint.id, url: endpoint.url, types, secret: endpoint.secret };
}

export async function deleteWebhook(req: WebhookRequest, id: string) {
  if (!WEBHOOK_ID.test(id)) throw noSuchWebhook(id);
  const db = database(req.env.DB);
  const [removed] = await removeEndpoint(db, req.tenant, id);
  if (removed.length === 0) throw noSuchWebhook(id);
  return { id, removed: true };
}

/** Both secrets sign for ROTATION_OVERLAP_MS, so receivers can switch without losing a delivery. */
export async function rotateWebhookSecret(req: WebhookRequest, id: string) {
  await found(req, id);
  const secret = newWebhookSecret();
  const until = new Date(Date.now() + ROTATION_OVERLAP_MS).toISOString();
  const [row] = await rotateSecret(database(req.env.DB), req.tenant, id, secret, until);
  if (!row) throw noSuchWebhook(id);
  return { id, secret, previousSecretUntil: until };
}

/** Active again, from its first undelivered event (enable) or from `fromSeq` (redeliver). */
export async function restartWebhook(req: WebhookRequest, id: string, fromSeq?: number) {
  await found(req, id);
  const at = new Date().toISOString();
  const [, [row]] = await restartEndpoint(database(req.env.DB), req.tenant, id, at, fromSeq === undefined ? undefined : fromSeq - 1);
  if (!row) throw noSuchWebhook(id);
  await kick(req);
  return endpointView(row, new Date());
}

export function fromSeqOf(body: Record<string, unknown>): number {
  const n = body.fromSeq;
  if (typeof n !== "number" || !Number.isSafeInteger(n) || n < 1)
    throw badParam("fromSeq is required: the seq of the first event to send again (1 or more)");
  return n;
}

const deliveryView = (d: DeliveryRow) => ({
  attempt: d.attempt,
  seq: d.seq,
  eventId: d.eventId,
  time: d.time,
  statusCode: d.statusCode,
  durationMs: d.durationMs,
  error: d.error,
  responseBody: d.responseBody,
});

/** Newest attempt first; the cursor is the attempt number to continue below. */
export async function webhookDeliveries(req: WebhookRequest, id: string, limit: number, cursor: string | undefined) {
  const before = cursor === undefined ? undefined : Number(cursor);
  if (before !== undefined && !(Number.isSafeInteger(before) && before > 0 && /^\d+$/.test(cursor ?? ""))) {
    throw badParam("cursor is not one this listing handed out: start again without a cursor");
  }
  await found(req, id);
  const rows = await deliveriesOf(database(req.env.DB), req.tenant, id, limit + 1, before);
  const page = rows.slice(0, limit);
  return { deliveries: page.map(deliveryView), nextCursor: rows.length > limit ? String(page[page.length - 1].attempt) : null };
}
