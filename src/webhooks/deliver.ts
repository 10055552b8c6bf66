import type { Database } from "../db/client.ts";
import { type EventType, type FeedEvent, toEvent } from "../events/json.ts";
import { eventRows, lastSeqRow, oldestRetainedSeq } from "../events/read.ts";
import { retryDelay } from "./schedule.ts";
import { signatureHeader } from "./signature.ts";
import { checkWebhookUrl } from "./url-policy.ts";
import { advance, dueEndpoints, type EndpointRow, logDelivery, type NewDelivery, nextRetryAt } from "./store.ts";

// One delivery pass over a tenant's endpoints (README: Webhooks), run by the tenant's Durable
// Object alarm. Each endpoint follows the feed from its stored position, one POST at a time: event
// N+1 is sent only once N got a 2xx, so order and at-least-once hold across resets, and the
// endpoints run side by side, so a slow one never holds another. A pass is bounded (time and
// events) and tells its caller when to run again.

export interface DeliveryOptions {
  /** The clock of schedules and signatures; injected so tests can move it. */
  now: () => number;
  fetch: typeof fetch;
  /** No new POST starts once this much of the pass has gone. */
  budgetMs?: number;
  /** Events one endpoint may get in one pass. */
  maxEvents?: number;
  /** WEBHOOK_ALLOW_LOCAL_HTTP, as the URL policy takes it. */
  allowLocalHttp?: boolean;
}

const TIMEOUT_MS = 10_000;
const BUDGET_MS = 15_000;
const MAX_EVENTS = 200;
const PAGE = 50;
const MAX_RESPONSE_BYTES = 1024;

/** The outcome of one endpoint's share of a pass: more to send now, or nothing until a write or its retry. */
type Share = "more" | "settled";

interface Attempt {
  statusCode: number | null;
  error: string | null;
  responseBody: string | null;
  durationMs: number;
}

/**
 * At most MAX_RESPONSE_BYTES of the body, counted as the stored string's UTF-8: the rest is never
 * read. Decoding can grow it (a 0xFF byte becomes U+FFFD, 3 bytes), so the cap applies after.
 */
async function cappedBody(response: Response): Promise<string> {
  if (!response.body) return "";
  const reader = response.body.getReader();
  const bytes = new Uint8Array(MAX_RESPONSE_BYTES);
  let length = 0;
  while (length < MAX_RESPONSE_BYTES) {
    const { done, value } = await reader.read();
    if (done) break;
    const take = value.subarray(0, MAX_RESPONSE_BYTES - length);
    bytes.set(take, length);
    length += take.length;
  }
  await reader.cancel().catch(() => undefined);
  // A multi-byte character cut at the limit decodes to U+FFFD rather than failing.
  const text = new TextDecoder().decode(bytes.subarray(0, length));
  // encodeInto stops before a character that would not fit whole.
  const { written } = new TextEncoder().encodeInto(text, bytes);
  return new TextDecoder().decode(bytes.subarray(0, written));
}

/** The spec's request: webhook-id is the event's id, so a retry carries the same one. */
async function post(endpoint: EndpointRow, event: FeedEvent, options: DeliveryOptions): Promise<Attempt> {
  const now = options.now();
  const timestamp = Math.floor(now / 1000);
  const body = JSON.stringify(event);
  const secrets = [endpoint.secret];
  if (endpoint.previousSecret && endpoint.previousUntil && endpoint.previousUntil > new Date(now).toISOString()) {
    secrets.push(endpoint.previousSecret);
  }
  const started = Date.now();
  try {
    const response = await options.fetch(endpoint.url, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "user-agent": "scim-edge-webhooks",
        "webhook-id": event.id,
        "webhook-timestamp": String(timestamp),
        "webhook-signature": await signatureHeader(secrets, event.id, timestamp, body),
      },
      body,
      // A redirect could point anywhere, past the URL check at add: it counts as a failure.
      redirect: "manual",
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
    const responseBody = await cappedBody(response);
    const ok = response.status >= 200 && response.status < 300;
    return {
      statusCode: response.status,
      error: ok ? null : `HTTP ${response.status}`,
      responseBody: responseBody || null,
      durationMs: Date.now() - started,
    };
  } catch (error) {
    const timedOut = (error as Error).name === "TimeoutError";
    return {
      statusCode: null,
      error: timedOut ? `no response within ${TIMEOUT_MS / 1000} s` : `connection failed: ${(error as Error).message}`,
      responseBody: null,
      durationMs: Date.now() - started,
    };
  }
}

type DeliveryState = Pick<EndpointRow, "position" | "attempts" | "nextAttemptAt" | "status">;

/** The endpoint's state after an attempt: on to the next event, a retry later, or stopped. */
function after(endpoint: EndpointRow, event: FeedEvent, attempt: Attempt, now: number): DeliveryState {
  const { position, attempts, nextAttemptAt } = endpoint;
  if (attempt.error === null) return { position: event.seq, attempts: 0, nextAttemptAt: null, status: "active" };
  if (attempt.statusCode === 410) return { position, attempts, nextAttemptAt, status: "disabled" };
  const failures = attempts + 1;
  const delay = retryDelay(failures);
  if (delay === null) return { position, attempts: failures, nextAttemptAt, status: "failing" };
  return { position, attempts: failures, nextAttemptAt: new Date(now + delay).toISOString(), status: "active" };
}

const stateOf = ({ position, attempts, nextAttemptAt, status }: DeliveryState): DeliveryState => ({
  position,
  attempts,
  nextAttemptAt,
  status,
});

const logged = (endpoint: EndpointRow, time: number, entry: Omit<NewDelivery, "tenantId" | "endpointId" | "time">): NewDelivery => ({
  tenantId: endpoint.tenantId,
  endpointId: endpoint.id,
  time: new Date(time).toISOString(),
  ...entry,
});

/**
 * Retention pruned events this endpoint never got: at least once cannot hold past them, so the
 * endpoint stops (`failing`) and its log names them; enable or redeliver resumes after them
 * (store.ts restartEndpoint). Returns whether it stopped.
 */
async function stopAtGap(db: Database, endpoint: EndpointRow, now: number): Promise<boolean> {
  const oldest = await oldestRetainedSeq(db, endpoint.tenantId);
  if (endpoint.position >= oldest - 1) return false;
  const error = `events ${endpoint.position + 1}..${oldest - 1} were pruned before delivery: stopped; enable resumes from seq ${oldest}`;
  await stop(db, endpoint, now, error);
  return true;
}

/** Logs why, and marks the endpoint failing unless someone (enable, redeliver) changed it meanwhile. */
async function stop(db: Database, endpoint: EndpointRow, now: number, error: string) {
  const entry = logged(endpoint, now, {
    seq: endpoint.position + 1,
    eventId: null,
    statusCode: null,
    durationMs: 0,
    error,
    responseBody: null,
  });
  await db.batch([advance(db, endpoint, stateOf({ ...endpoint, status: "failing" })), logDelivery(db, entry)]);
}

async function deliverTo(db: Database, start: EndpointRow, options: DeliveryOptions, deadline: number): Promise<Share> {
  let endpoint = start;
  const types: EventType[] | undefined = endpoint.types === null ? undefined : JSON.parse(endpoint.types);
  let sent = 0;
  // Again before sending: the URL may predate a range the policy refuses now, or have been stored
  // while WEBHOOK_ALLOW_LOCAL_HTTP was on.
  const verdict = checkWebhookUrl(endpoint.url, { allowLocalHttp: options.allowLocalHttp ?? false });
  for (;;) {
    // The counter first, in the same batch: every event up to it is in the page's view, so an
    // endpoint whose filter matched none of them can move past them without missing a later one.
    const [[counter], rows] = await db.batch([
      lastSeqRow(db, endpoint.tenantId),
      eventRows(db, endpoint.tenantId, { after: endpoint.position, limit: PAGE, types }),
    ]);
    const lastSeq = counter?.lastSeq ?? 0;
    if (endpoint.position >= lastSeq) return "settled";
    if (rows[0]?.seq !== endpoint.position + 1 && (await stopAtGap(db, endpoint, options.now()))) return "settled";
    for (const event of rows.map(toEvent)) {
      if (options.now() >= deadline || sent >= (options.maxEvents ?? MAX_EVENTS)) return "more";
      if (!verdict.ok) {
        await stop(db, endpoint, options.now(), `URL refused: ${verdict.reason}; stopped: add a webhook with an allowed URL`);
        return "settled";
      }
      const attempt = await post(endpoint, event, options);
      const now = options.now();
      const next = after(endpoint, event, attempt, now);
      const entry = logged(endpoint, now - attempt.durationMs, { seq: event.seq, eventId: event.id, ...attempt });
      const [changed] = await db.batch([advance(db, endpoint, next), logDelivery(db, entry)]);
      // Someone (enable, redeliver, remove) changed the endpoint meanwhile: the next pass starts from theirs.
      if (changed.length === 0) return "more";
      if (attempt.error !== null) return "settled";
      endpoint = { ...endpoint, ...next };
      sent++;
    }
    if (rows.length < PAGE) {
      // Nothing after the last match up to lastSeq is for this endpoint.
      if (endpoint.position < lastSeq) {
        await advance(db, endpoint, stateOf({ ...endpoint, position: lastSeq }));
      }
      return "settled";
    }
  }
}

/**
 * Delivers what is due to every active endpoint of the tenant. Returns when the next pass should
 * run (ms since the epoch), or null when nothing waits but new writes.
 */
export async function deliverDue(db: Database, tenant: string, options: DeliveryOptions): Promise<number | null> {
  const start = options.now();
  const deadline = start + (options.budgetMs ?? BUDGET_MS);
  const endpoints = await dueEndpoints(db, tenant, new Date(start).toISOString());
  const shares = await Promise.all(endpoints.map((e) => deliverTo(db, e, options, deadline)));
  const now = options.now();
  if (shares.includes("more")) return now;
  const retry = await nextRetryAt(db, tenant);
  return retry === null ? null : Math.max(now, Date.parse(retry));
}
