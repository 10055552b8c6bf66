// `events <tenant>`: an operator's `tail -f` of a tenant's change feed, read from D1 through
// wrangler like every other command. --follow polls every FOLLOW_MS: an operator's view, not a
// consumer's (consumers long-poll the admin API).

import { setTimeout as sleep } from "node:timers/promises";
import { type FeedEvent, toEvent } from "../../events/json.ts";
import { type Context, prepare } from "../commands.ts";
import { CliError } from "../errors.ts";
import type { EventsRequest } from "./args.ts";
import { type FeedStateRow, selectEvents, selectFeedState } from "./sql.ts";

const PAGE = 500;
const TAIL = 20;
const FOLLOW_MS = 2000;

type EventRow = Parameters<typeof toEvent>[0];

function summary(event: FeedEvent): string {
  const data = event.data as Record<string, unknown>;
  const member = data.member as { value?: string; type?: string } | undefined;
  const parts = [
    member ? `member ${member.type} ${member.value}` : String(data.userName ?? data.displayName ?? ""),
    event.soft === true ? "(soft)" : "",
    event.restored === true ? "(restored)" : "",
    event.previous ? `changed: ${Object.keys(event.previous).join(", ")}` : "",
  ];
  return parts.filter(Boolean).join("  ");
}

const eventText = (e: FeedEvent) => `${e.seq}  ${e.time}  ${e.type.padEnd(20)}  ${e.resource.type} ${e.resource.id}  ${summary(e)}\n`;

/** Writes each event as it is read: one JSON value per line with --json (JSON Lines), a line of text otherwise. */
export async function runEventsCommand(request: EventsRequest, ctx: Context, out: (text: string) => void): Promise<string> {
  await prepare(ctx);
  const [state] = await ctx.store.query<FeedStateRow>(selectFeedState(request.tenant));
  if (!state) throw new CliError(`unknown tenant "${request.tenant}"; see: npm run tenant -- list`);
  let after = request.after ?? Math.max(0, state.last_seq - TAIL);
  const oldest = state.oldest ?? state.last_seq + 1;
  if (after < oldest - 1) ctx.log(`warning: events ${after + 1} to ${oldest - 1} are past retention; printing from ${oldest}`);
  for (;;) {
    const rows = await ctx.store.query<EventRow>(selectEvents(request.tenant, after, request.types, PAGE));
    for (const event of rows.map(toEvent)) out(request.json ? `${JSON.stringify(event)}\n` : eventText(event));
    after = rows.at(-1)?.seq ?? after;
    if (rows.length === PAGE) continue;
    if (!request.follow) return "";
    await sleep(FOLLOW_MS);
  }
}
