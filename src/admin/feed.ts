import { database } from "../db/client.ts";
import { tenantState } from "../db/admin.ts";
import { waitForCommit } from "../durable/client.ts";
import type { Env } from "../env.ts";
import { EVENT_TYPES, type EventType, type FeedEvent, oldestRetainedSeq, readEvents } from "../events/read.ts";
import { logStorageFailure } from "../lib/error-report.ts";
import { isStorageFailure } from "../lib/storage-failure.ts";
import { AdminError, badParam, noSuchTenant } from "./errors.ts";

// GET /admin/v1/tenants/{t}/events: a page of the tenant's feed after a cursor, optionally held
// until something commits (long polling). Readers read D1; only the wait asks the tenant's writer
// to be told of a commit, so a parked request costs no D1 reads while it waits.

export interface FeedRequest {
  env: Env;
  tenant: string;
  after: number;
  limit: number;
  types?: EventType[];
  waitMs: number;
}

export interface FeedPage {
  events: FeedEvent[];
  /** The `after` of the next request. */
  next: number;
  hasMore: boolean;
}

export function parseTypes(value: string | undefined): EventType[] | undefined {
  if (value === undefined || value === "") return undefined;
  const types = [...new Set(value.split(",").map((t) => t.trim()))];
  const unknown = types.find((t) => !EVENT_TYPES.includes(t as EventType));
  if (unknown !== undefined) throw badParam(`unknown event type "${unknown}": use ${EVENT_TYPES.join(", ")}`);
  return types as EventType[];
}

const tooManyWaiting = () =>
  new AdminError("too_many_requests", "too many requests are waiting on this tenant's feed; retry without wait or later", {}, 1);

/** One read of the feed. `lastSeq` is read first, so every event up to it was in the read's view. */
async function readOnce(req: FeedRequest) {
  const db = database(req.env.DB);
  const [state] = await tenantState(db, req.tenant);
  if (!state) throw noSuchTenant(req.tenant);
  const found = await readEvents(db, req.tenant, { after: req.after, limit: req.limit + 1, types: req.types });
  return { lastSeq: state.lastSeq, found };
}

/**
 * A cursor has lost events when retention pruned past it. Checked after the read: pruning only
 * raises the oldest seq, so a cursor still valid now was valid for the read. Skipped where no
 * event can be missing: a caught-up cursor, or a read that starts right after it.
 */
async function assertRetained(req: FeedRequest, lastSeq: number, found: FeedEvent[]) {
  if (req.after >= lastSeq || found[0]?.seq === req.after + 1) return;
  const oldest = await oldestRetainedSeq(database(req.env.DB), req.tenant);
  if (req.after < oldest - 1) {
    throw new AdminError(
      "cursor_expired",
      `events after ${req.after} are past retention: take a new snapshot and follow from its asOfSeq`,
      { oldestSeq: oldest },
    );
  }
}

/**
 * The writer's answer to a wait. If the object resets or moves (a deploy resets every object), the
 * wait ends early with an empty page, which the consumer's next poll repeats; only a bug in the
 * object's own code (marked `remote`, durable/client.ts) goes on to a 500.
 */
async function parkedUntilCommit(req: FeedRequest, afterSeq: number, ms: number) {
  try {
    return await waitForCommit(req.env, req.tenant, afterSeq, ms);
  } catch (error) {
    if ((error as { remote?: unknown }).remote === true && !isStorageFailure(error)) throw error;
    logStorageFailure("writer_unreachable", error);
    return "timeout";
  }
}

export async function readFeed(req: FeedRequest): Promise<FeedPage> {
  const deadline = Date.now() + req.waitMs;
  let { lastSeq, found } = await readOnce(req);
  await assertRetained(req, lastSeq, found);
  while (found.length === 0 && Date.now() < deadline) {
    // Woken by any commit of the tenant: a commit of other types reads again and parks again.
    const outcome = await parkedUntilCommit(req, Math.max(req.after, lastSeq), deadline - Date.now());
    if (outcome === "busy") throw tooManyWaiting();
    if (outcome === "timeout") break;
    ({ lastSeq, found } = await readOnce(req));
  }
  const events = found.slice(0, req.limit);
  const hasMore = found.length > req.limit;
  // Without more to come, every event up to lastSeq was seen (filtered by type or not): the next
  // request starts after it rather than scanning the skipped ones again.
  const next = hasMore ? events[events.length - 1].seq : Math.max(req.after, lastSeq, events[events.length - 1]?.seq ?? 0);
  return { events, next, hasMore };
}
