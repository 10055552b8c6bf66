// Arguments of `log <tenant> [--failures] [--follow]`.

import type { Target } from "../args.ts";
import { usageError } from "../errors.ts";

/** The options only this command takes (--follow it shares with `events`); args.ts adds them to its parser. */
export const LOG_OPTIONS = {
  failures: { type: "boolean" },
  follow: { type: "boolean" },
} as const;

export interface LogRequest {
  kind: "log";
  tenant: string;
  /** Only requests answered with a status of 400 or more. */
  failures: boolean;
  follow: boolean;
  target: Target;
  json: boolean;
}

export function parseLogCommand(
  rest: string[],
  values: { failures?: boolean; follow?: boolean },
  target: Target,
  json: boolean,
  tenantName: (name: string) => string,
): LogRequest {
  if (rest.length !== 1) throw usageError("usage: log <tenant> [--failures] [--follow]");
  return { kind: "log", tenant: tenantName(rest[0]), failures: values.failures === true, follow: values.follow === true, target, json };
}
