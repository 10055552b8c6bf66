// Arguments of `events <tenant> [--after N] [--types a,b] [--follow]`, checked so that what
// reaches events/sql.ts is safe for SQL.

import { EVENT_TYPES, type EventType } from "../../events/json.ts";
import type { Target } from "../args.ts";
import { usageError } from "../errors.ts";

/** The options only this command takes; args.ts adds them to its parser. */
export const EVENTS_OPTIONS = {
  after: { type: "string" },
  types: { type: "string", multiple: true },
  follow: { type: "boolean" },
} as const;

export interface EventsRequest {
  kind: "events";
  tenant: string;
  /** Print events after this seq; undefined: the last few, as `tail` does. */
  after?: number;
  types?: EventType[];
  follow: boolean;
  target: Target;
  json: boolean;
}

export function parseEventsCommand(
  rest: string[],
  values: { after?: string; types?: string[]; follow?: boolean },
  target: Target,
  json: boolean,
  tenantName: (name: string) => string,
): EventsRequest {
  if (rest.length !== 1) throw usageError("usage: events <tenant> [--after N] [--types type,...] [--follow]");
  let after: number | undefined;
  if (values.after !== undefined) {
    after = /^\d+$/.test(values.after) ? Number(values.after) : Number.NaN;
    if (!Number.isSafeInteger(after)) throw usageError(`--after must be a seq (a whole number), got "${values.after}"`);
  }
  let types: EventType[] | undefined;
  if (values.types !== undefined) {
    types = [...new Set(values.types.flatMap((v) => v.split(",")).map((t) => t.trim()))] as EventType[];
    const unknown = types.find((t) => !EVENT_TYPES.includes(t));
    if (unknown !== undefined) throw usageError(`unknown event type "${unknown}": use ${EVENT_TYPES.join(", ")}`);
  }
  return { kind: "events", tenant: tenantName(rest[0]), after, types, follow: values.follow === true, target, json };
}
