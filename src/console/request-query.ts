import type { RequestQuery } from "../requests/read.ts";
import { ConsoleError } from "./errors.ts";

// The log page's filter form, checked before it reaches the log's query.

export const LOG_PAGE = 50;

const STATUS = /^(4xx|5xx|[1-5]\d\d)$/;

function instant(value: string | undefined, name: string): string | undefined {
  if (!value) return undefined;
  const time = Date.parse(value);
  if (Number.isNaN(time)) throw new ConsoleError(400, `${name} must be a date and time such as 2026-11-30T08:00:00Z`);
  return new Date(time).toISOString();
}

export function requestQueryOf(query: (name: string) => string | undefined): RequestQuery {
  const status = query("status") || undefined;
  if (status !== undefined && !STATUS.test(status)) throw new ConsoleError(400, "status must be 4xx, 5xx or a status code");
  return {
    status,
    since: instant(query("since"), "since"),
    until: instant(query("until"), "until"),
    limit: LOG_PAGE,
    cursor: query("cursor") || undefined,
  };
}
