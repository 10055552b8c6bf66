// Arguments of the OAuth commands (client, federation, show, auth), checked as strictly as
// args.ts checks the tenant commands: what reaches oauth-commands.ts is safe for SQL.

import {
  CLIENT_ID,
  ENTRA_TENANT_ID,
  HEX_ID,
  jwksUrlProblem,
  MAX_ACCESS_TOKEN_SECONDS,
  MAX_SECRET_DAYS,
  MIN_ACCESS_TOKEN_SECONDS,
  DEFAULT_SECRET_DAYS,
} from "../lib/oauth-credentials.ts";
import type { Target } from "./args.ts";
import { usageError } from "./errors.ts";
import { type AuthSettingsChange, type FederationSettings, SUBJECT, URI } from "./oauth-sql.ts";

/** The options only these commands take; args.ts adds them to its parser. */
export const OAUTH_OPTIONS = {
  "expires-days": { type: "string" },
  "secret-id": { type: "string" },
  "entra-tenant": { type: "string" },
  subject: { type: "string" },
  audience: { type: "string", multiple: true },
  "jwks-url": { type: "string" },
  "token-lifetime": { type: "string" },
  "entra-token": { type: "string" },
} as const;

type OAuthOption = keyof typeof OAUTH_OPTIONS;
export type OptionValues = { [K in OAuthOption]?: (typeof OAUTH_OPTIONS)[K] extends { multiple: true } ? string[] : string };

export const OAUTH_COMMANDS: readonly string[] = ["client", "federation", "show", "auth"];

interface Common {
  kind: "oauth";
  tenant: string;
  target: Target;
  json: boolean;
}

export type OAuthRequest = Common &
  (
    | { command: "client create"; expiresDays: number }
    | { command: "client rotate"; clientId: string; expiresDays: number }
    | { command: "client revoke"; clientId: string; secretId?: string }
    | { command: "client list" }
    | { command: "federation set"; settings: FederationSettings }
    | { command: "federation show" }
    | { command: "federation remove" }
    | { command: "show" }
    | { command: "auth set"; change: AuthSettingsChange }
  );

type Command = OAuthRequest["command"];

/** Each command's positionals after the tenant, and the options it accepts. */
const SHAPES: Record<Command, { args: string[]; options: OAuthOption[] }> = {
  "client create": { args: [], options: ["expires-days"] },
  "client rotate": { args: ["clientId"], options: ["expires-days"] },
  "client revoke": { args: ["clientId"], options: ["secret-id"] },
  "client list": { args: [], options: [] },
  "federation set": { args: [], options: ["entra-tenant", "subject", "audience", "jwks-url"] },
  "federation show": { args: [], options: [] },
  "federation remove": { args: [], options: [] },
  show: { args: [], options: [] },
  "auth set": { args: [], options: ["token-lifetime", "entra-token"] },
};

const SUBCOMMANDS: Record<string, string[]> = {
  client: ["create", "rotate", "revoke", "list"],
  federation: ["set", "show", "remove"],
  auth: ["set"],
};

function integer(value: string, option: string, min: number, max: number): number {
  const n = /^\d+$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    throw usageError(`--${option} must be a whole number from ${min} to ${max}, got "${value}"`);
  }
  return n;
}

function matching(value: string | undefined, pattern: RegExp, what: string, hint = ""): string {
  if (value === undefined || !pattern.test(value)) throw usageError(`invalid ${what} "${value ?? ""}"${hint}`);
  return value;
}

function required(values: OptionValues, option: "entra-tenant" | "subject", command: string): string {
  const value = values[option];
  if (value === undefined) throw usageError(`"${command}" needs --${option}`);
  return value;
}

/** Options of one command that another command owns are usage errors, not silently ignored. */
export function rejectForeignOptions(command: string, values: OptionValues, allowed: readonly OAuthOption[] = []) {
  for (const option of Object.keys(OAUTH_OPTIONS) as OAuthOption[]) {
    if (values[option] !== undefined && !allowed.includes(option)) throw usageError(`--${option} does not apply to "${command}"`);
  }
}

function federationSettings(values: OptionValues, command: string): FederationSettings {
  // Entra shows tenant ids in lower case; a pasted upper-case GUID is the same tenant.
  const entraTenantId = matching(required(values, "entra-tenant", command).toLowerCase(), ENTRA_TENANT_ID, "Entra tenant id", " (a GUID)");
  const subject = matching(required(values, "subject", command), SUBJECT, "subject");
  // No default: the audience names the customer's own Entra app (api://{appId}/.default in Entra's portal).
  const audiences = values.audience ?? [];
  if (audiences.length === 0) throw usageError(`"${command}" needs --audience (Entra shows it as Audience, e.g. api://<app id>/.default)`);
  for (const audience of audiences) matching(audience, URI, "audience");
  const jwksUrl = values["jwks-url"];
  if (jwksUrl !== undefined) {
    const problem = jwksUrlProblem(jwksUrl);
    if (problem !== null || !URI.test(jwksUrl)) throw usageError(`--jwks-url ${problem ?? "has characters a URL may not"}: "${jwksUrl}"`);
  }
  return { entraTenantId, subject, audiences: [...new Set(audiences)], jwksUrl };
}

function authChange(values: OptionValues): AuthSettingsChange {
  const change: AuthSettingsChange = {};
  const lifetime = values["token-lifetime"];
  if (lifetime !== undefined) {
    change.accessTokenSeconds = integer(lifetime, "token-lifetime", MIN_ACCESS_TOKEN_SECONDS, MAX_ACCESS_TOKEN_SECONDS);
  }
  const entraToken = values["entra-token"];
  if (entraToken !== undefined) {
    change.entraTokenTenantId =
      entraToken === "off" ? null : matching(entraToken.toLowerCase(), ENTRA_TENANT_ID, "Entra tenant id", ' (a GUID, or "off")');
  }
  if (Object.keys(change).length === 0) throw usageError(`"auth set" needs --token-lifetime and/or --entra-token`);
  return change;
}

/** `command` and `rest` are args.ts's positionals; `tenantName` validates the tenant as args.ts does. */
export function parseOAuthCommand(
  command: string,
  rest: string[],
  values: OptionValues,
  target: Target,
  json: boolean,
  tenantName: (name: string) => string,
): OAuthRequest {
  let name = command;
  let args = rest;
  const subcommands = SUBCOMMANDS[command];
  if (subcommands) {
    const [sub, ...after] = rest;
    if (sub === undefined || !subcommands.includes(sub)) {
      throw usageError(`"${command}" needs one of: ${subcommands.join(", ")}${sub === undefined ? "" : ` (got "${sub}")`}`);
    }
    name = `${command} ${sub}`;
    args = after;
  }
  const full = name as Command;
  const shape = SHAPES[full];
  const usage = `${name} <tenant>${shape.args.map((a) => ` <${a}>`).join("")}`;
  if (args.length !== 1 + shape.args.length) throw usageError(`usage: ${usage}`);
  rejectForeignOptions(name, values, shape.options);
  const common: Common = { kind: "oauth", tenant: tenantName(args[0]), target, json };
  const clientId = () => matching(args[1], CLIENT_ID, "client id", `; see: npm run tenant -- client list ${args[0]}`);
  const expiresDays = () =>
    values["expires-days"] === undefined ? DEFAULT_SECRET_DAYS : integer(values["expires-days"], "expires-days", 1, MAX_SECRET_DAYS);

  switch (full) {
    case "client create":
      return { ...common, command: full, expiresDays: expiresDays() };
    case "client rotate":
      return { ...common, command: full, clientId: clientId(), expiresDays: expiresDays() };
    case "client revoke": {
      const secretId = values["secret-id"];
      const checked = secretId === undefined ? undefined : matching(secretId, HEX_ID, "secret id");
      return { ...common, command: full, clientId: clientId(), secretId: checked };
    }
    case "federation set":
      return { ...common, command: full, settings: federationSettings(values, name) };
    case "auth set":
      return { ...common, command: full, change: authChange(values) };
    case "client list":
    case "federation show":
    case "federation remove":
    case "show":
      return { ...common, command: full };
    default: {
      const unreachable: never = full;
      throw usageError(`unknown command "${unreachable}"`);
    }
  }
}
