// Arguments of `webhook add|list|remove|rotate-secret|redeliver|enable`, checked so that what
// reaches webhook/sql.ts is safe for SQL.

import { EVENT_TYPES, type EventType } from "../../events/json.ts";
import type { Target } from "../args.ts";
import { usageError } from "../errors.ts";
import { EVENTS_OPTIONS } from "../events/args.ts";
import { WEBHOOK_ID } from "../../webhooks/endpoint.ts";

/** The options these commands take (--types as `events` takes it); args.ts adds them to its parser. */
export const WEBHOOK_OPTIONS = { types: EVENTS_OPTIONS.types, "from-seq": { type: "string" } } as const;

type Common = { kind: "webhook"; target: Target; json: boolean; tenant: string };

export type WebhookRequest = Common &
  (
    | { command: "webhook add"; url: string; types: EventType[] | null }
    | { command: "webhook list" }
    | { command: "webhook remove" | "webhook rotate-secret" | "webhook enable"; id: string }
    | { command: "webhook redeliver"; id: string; fromSeq: number }
  );

const USAGE = {
  add: "webhook add <tenant> <url> [--types type,...]",
  list: "webhook list <tenant>",
  remove: "webhook remove <tenant> <id>",
  "rotate-secret": "webhook rotate-secret <tenant> <id>",
  redeliver: "webhook redeliver <tenant> <id> --from-seq N",
  enable: "webhook enable <tenant> <id>",
} as const;

function typesOf(values: string[] | undefined): EventType[] | null {
  if (values === undefined) return null;
  const types = [...new Set(values.flatMap((v) => v.split(",")).map((t) => t.trim()))] as EventType[];
  const unknown = types.find((t) => !EVENT_TYPES.includes(t));
  if (unknown !== undefined) throw usageError(`unknown event type "${unknown}": use ${EVENT_TYPES.join(", ")}`);
  return types;
}

function fromSeqOf(value: string | undefined): number {
  const n = value !== undefined && /^\d+$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < 1)
    throw usageError(`--from-seq must be the seq of the first event to send again (1 or more), got "${value ?? ""}"`);
  return n;
}

export function parseWebhookCommand(
  rest: string[],
  values: { types?: string[]; "from-seq"?: string },
  target: Target,
  json: boolean,
  tenantName: (name: string) => string,
): WebhookRequest {
  const [verb, tenant, arg, ...more] = rest;
  if (!(verb in USAGE))
    throw usageError(`"webhook" needs one of: ${Object.keys(USAGE).join(", ")}${verb === undefined ? "" : ` (got "${verb}")`}`);
  const usage = USAGE[verb as keyof typeof USAGE];
  const wantsArg = verb !== "list";
  if (tenant === undefined || (wantsArg && arg === undefined) || (!wantsArg && arg !== undefined) || more.length > 0) {
    throw usageError(`usage: ${usage}`);
  }
  if (values.types !== undefined && verb !== "add") throw usageError(`--types applies to "webhook add" only`);
  if (values["from-seq"] !== undefined && verb !== "redeliver") throw usageError(`--from-seq applies to "webhook redeliver" only`);
  const common: Common = { kind: "webhook", target, json, tenant: tenantName(tenant) };
  if (verb === "add") return { ...common, command: "webhook add", url: arg, types: typesOf(values.types) };
  if (verb === "list") return { ...common, command: "webhook list" };
  if (!WEBHOOK_ID.test(arg))
    throw usageError(`invalid webhook id "${arg}" (wh_ and 16 hex digits); see: npm run tenant -- webhook list ${tenant}`);
  if (verb === "redeliver") return { ...common, command: "webhook redeliver", id: arg, fromSeq: fromSeqOf(values["from-seq"]) };
  return { ...common, command: `webhook ${verb as "remove" | "rotate-secret" | "enable"}`, id: arg };
}
