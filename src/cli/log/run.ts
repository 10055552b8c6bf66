// `log <tenant>`: an operator's `tail -f` of a tenant's provisioning log, read from D1 through
// wrangler like every other command. --follow polls every FOLLOW_MS for rows after the last printed.

import { setTimeout as sleep } from "node:timers/promises";
import { type LoggedRequest, type StoredRequest, toLogged } from "../../requests/logged.ts";
import { type Context, prepare } from "../commands.ts";
import { CliError } from "../errors.ts";
import type { LogRequest } from "./args.ts";
import { selectRequests, selectTenantExists } from "./sql.ts";

const TAIL = 20;
const PAGE = 500;
const FOLLOW_MS = 2000;

type Row = StoredRequest;

const credentialText = (r: LoggedRequest) => (r.credential.id ? `${r.credential.kind}:${r.credential.id}` : r.credential.kind);

export const requestText = (r: LoggedRequest) =>
  `${[
    r.time,
    String(r.status),
    `${r.method} ${r.path}`,
    `${r.durationMs} ms`,
    credentialText(r),
    r.scimType ?? "",
    r.detail ?? "",
    r.correlationId ? `client-request-id ${r.correlationId}` : "",
  ]
    .filter(Boolean)
    .join("  ")}\n`;

/** Prints the last TAIL requests (or failures), oldest first; with --follow, each new one as it is read. */
export async function runLogCommand(request: LogRequest, ctx: Context, out: (text: string) => void): Promise<string> {
  await prepare(ctx);
  const [exists] = await ctx.store.query<{ tenant_exists: number }>(selectTenantExists(request.tenant));
  if (!exists?.tenant_exists) throw new CliError(`unknown tenant "${request.tenant}"; see: npm run tenant -- list`);
  let after: string | null = null;
  let limit = TAIL;
  for (;;) {
    const rows: Row[] = await ctx.store.query<Row>(selectRequests(request.tenant, after, request.failures, limit));
    for (const logged of rows.reverse().map(toLogged)) out(request.json ? `${JSON.stringify(logged)}\n` : requestText(logged));
    after = rows.at(-1)?.id ?? after;
    if (!request.follow) return "";
    limit = PAGE;
    if (rows.length < PAGE) await sleep(FOLLOW_MS);
  }
}
