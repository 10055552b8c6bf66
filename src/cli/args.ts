// Turns argv into a validated request, so commands.ts only ever sees names that are safe to put
// into SQL and KV keys (wrangler d1 execute has no bound parameters).

import { parseArgs } from "node:util";
import { TENANT_NAME } from "../lib/token-store.ts";
import { ADMIN_KEY_OPTIONS, type AdminKeyRequest, parseAdminKeyCommand } from "./admin-key/args.ts";
import { usageError } from "./errors.ts";
import { EVENTS_OPTIONS, type EventsRequest, parseEventsCommand } from "./events/args.ts";
import { parseWebhookCommand, WEBHOOK_OPTIONS, type WebhookRequest } from "./webhook/args.ts";
import { LOG_OPTIONS, type LogRequest, parseLogCommand } from "./log/args.ts";
import { OAUTH_COMMANDS, OAUTH_OPTIONS, type OAuthRequest, parseOAuthCommand, rejectForeignOptions } from "./oauth-args.ts";
import {
  POLICY_COMMANDS,
  POLICY_ONLY_OPTIONS,
  POLICY_OPTIONS,
  type PolicyRequest,
  type PolicyValues,
  parsePolicyCommand,
} from "./policy-args.ts";

export type CommandName = "create" | "rotate" | "revoke" | "list";

export interface Target {
  remote: boolean;
  /** Local state directory (wrangler's --persist-to); absolute, or undefined for wrangler's default. */
  persistTo?: string;
  /** wrangler config file (wrangler's --config); absolute, or undefined for ./wrangler.toml. */
  config?: string;
}

export type CliRequest =
  | { kind: "help" }
  | { kind: "run"; command: "list"; target: Target; json: boolean }
  | { kind: "run"; command: Exclude<CommandName, "list">; tenant: string; target: Target; json: boolean }
  | OAuthRequest
  | PolicyRequest
  | AdminKeyRequest
  | EventsRequest
  | WebhookRequest
  | LogRequest;

export const HELP = `Usage: npm run tenant -- <command> [tenant] [options]

Commands:
  create <tenant>   Create a tenant and print its Tenant URL and Secret Token (shown once)
  rotate <tenant>   Issue a new Secret Token; the old one stops working
  revoke <tenant>   Remove the tenant's Secret Token; the tenant keeps its data
  list              List tenants, their creation dates and whether a token is live
  show <tenant>     Show the tenant's enabled authentication methods and settings

OAuth 2.0 client credentials (Entra's "OAuth2 client credentials grant"):
  client create <tenant> [--expires-days N]             New client; prints its secret once
                                                        (default 365 days, at most 1095)
  client rotate <tenant> <clientId> [--expires-days N]  Add a secret; the old ones keep working
  client revoke <tenant> <clientId> [--secret-id ID]    Revoke one secret, or the whole client
  client list <tenant>                                  Clients and secret ids, dates, status

Workload identity federation (Entra signs an RFC 7523 client assertion):
  federation set <tenant> --entra-tenant <tid> --subject <sub> --audience <aud> [--audience ...]
                 [--jwks-url <url>]   Trust Entra tenant <tid>'s assertions about <sub> for <aud>;
                                      JWKS default https://login.microsoftonline.com/<tid>/discovery/v2.0/keys
  federation show <tenant>
  federation remove <tenant>

Per-tenant settings:
  auth set <tenant> [--token-lifetime SECONDS] [--entra-token <tid>|off]
                    Access token lifetime (3600-21600, default 3600); accept Entra's own
                    bearer token from Entra tenant <tid> (testing only; off by default)

Schema extensions and provisioning policy:
  schema add <tenant> <urn> --attr name:type[:flag...] [--attr ...] [--resource User|Group] [--required]
                    Add a schema extension (e.g. urn:scim:skillcast:User); types: string, boolean,
                    integer, decimal, dateTime, reference; flags: multi, required, caseExact,
                    readOnly|immutable|writeOnly, returned=always|never|default|request, unique,
                    values=a|b|c, refs=a|b. The resource defaults to the URN's last part, else User.
  schema list <tenant>
  schema remove <tenant> <urn>
  domains set <tenant> [domain ...]   Users' userName and work emails must be in these domains;
                                      no domains = no restriction
  settings set <tenant> [--delete-mode hard|soft] [--groups on|off] [--rate-limit N|default]
                    [--event-retention-days N|default] [--log-retention-days N|default]
                    [--capture-bodies 30m|24h|7d|off]
                    What DELETE does (soft: deactivate and hide, a re-create restores), group
                    provisioning, SCIM requests per second (default: TENANT_RATE_LIMIT), days the
                    change feed keeps events (default: EVENT_RETENTION_DAYS), days the provisioning
                    log keeps requests (default: REQUEST_LOG_RETENTION_DAYS), and capture of failed
                    requests' bodies, redacted, for a time (at most 7 days; then it turns itself off)

Admin API keys (/admin/v1 on the single-host origin, for the SaaS product's backend):
  admin-key create [--tenant <tenant>]  New key for one tenant, or for every tenant without --tenant;
                                        prints it once (only its SHA-256 is stored)
  admin-key list                        Keys, scopes, dates; never the keys themselves
  admin-key revoke <id>                 Revoke a key (Workers notice within TOKEN_CACHE_SECONDS)

Change feed:
  events <tenant> [--after N] [--types type,...] [--follow]
                    Print the tenant's events after seq N (default: the last 20); --follow keeps
                    printing new ones (polls every 2 s); types: user.created, user.updated,
                    user.deleted, group.created, group.updated, group.deleted, group.member_added,
                    group.member_removed

Webhooks (README: Webhooks; the admin API has the same under /admin/v1/tenants/{t}/webhooks):
  webhook add <tenant> <url> [--types type,...]   New endpoint (https:// to a public host); prints
                                                  its signing secret once
  webhook list <tenant>                           Endpoints, status, position; never secrets
  webhook remove <tenant> <id>                    Remove an endpoint and its delivery log
  webhook rotate-secret <tenant> <id>             New secret, printed once; the old one signs too for 24 h
  webhook redeliver <tenant> <id> --from-seq N    Send again from event N on
  webhook enable <tenant> <id>                    Resume a failing or disabled endpoint from its
                                                  first undelivered event
Provisioning log:
  log <tenant> [--failures] [--follow]
                    Print the tenant's last 20 SCIM and token-endpoint requests (--failures: only
                    those answered 400 or more), oldest first; --follow keeps printing new ones
                    (polls every 2 s)

Options:
  --local              Use the local state that \`npm run dev\` serves (default)
  --remote             Use the deployed D1 database and KV namespace
  --json               Print one JSON value on stdout (progress goes to stderr)
  --persist-to <dir>   Local state directory (passed to wrangler; default .wrangler/state)
  -c, --config <file>  wrangler configuration file (passed to wrangler; default wrangler.toml)
  -h, --help           Show this help

Tenant names are DNS labels: lower-case letters, digits and "-", 1-63 characters,
not starting or ending with "-". The tenant's host is {tenant}.{BASE_DOMAIN}; --remote takes
BASE_DOMAIN from the environment, else from wrangler.toml [vars].

--json output:
  create, rotate  {"tenant","tenantUrl","token"}
  revoke          {"tenant","revoked"}          (revoked: false if there was no token)
  list            [{"tenant","createdAt","tokenLive","tenantUrl"}]
  client create   {"tenant","clientId","clientSecret","tokenEndpoint","expiresAt"}
  client rotate   {"tenant","clientId","secretId","clientSecret","tokenEndpoint","expiresAt"}
  client revoke   {"tenant","clientId","revokedSecretIds"}
  client list     [{"clientId","createdAt","revokedAt","secrets":[{"secretId","createdAt","expiresAt","status"}]}]
  federation set, federation show
                  {"tenant","federation":{"entraTenantId","subject","audiences","jwksUrl","createdAt"}|null,
                   "clientId","tokenEndpoint","tenantUrl"}
  federation remove  {"tenant","removed"}
  show            {"tenant","tenantUrl","tokenEndpoint","methods","liveClients","federation","entraTokenTenantId",
                   "accessTokenSeconds","provisioning","extensions"}
  schema add      {"tenant","urn","resourceType","required","attributes"}
  schema list     [{"urn","resourceType","required","attributes","createdAt"}]
  schema remove   {"tenant","urn","removed"}
  domains set, settings set
                  {"tenant","allowedDomains","deleteMode","groupsEnabled","rateLimitPerSecond","eventRetentionDays",
                   "requestLogRetentionDays","captureBodiesUntil"}
  auth set        {"tenant","accessTokenSeconds","entraTokenTenantId"}
  admin-key create  {"id","key","scope"}        (scope: the tenant, or "*" for every tenant)
  admin-key list    [{"id","scope","createdAt","revokedAt"}]
  admin-key revoke  {"id","scope","createdAt","revokedAt"}
  events          one event per line (JSON Lines), as GET /admin/v1/tenants/{t}/events returns them
  webhook add     {"id","url","secret"}
  webhook list    [{"id","url","types","status","position","attempts","nextAttemptAt","previousSecretUntil","createdAt"}]
  webhook remove  {"id","removed"}
  webhook rotate-secret  {"id","secret","previousSecretUntil"}
  webhook redeliver, webhook enable  {"id","url","types","status","position",...} as in list
  log             one request per line (JSON Lines), as GET /admin/v1/tenants/{t}/requests returns them
Scripts should call \`npm run -s tenant -- ...\`: without -s npm prints its own banner on stdout.
Exit codes: 0 success, 1 failed operation, 2 usage error.
`;

function rejectPolicyOptions(command: string, values: Record<string, unknown>) {
  const stray = POLICY_ONLY_OPTIONS.find((option) => values[option] !== undefined);
  if (stray) throw usageError(`--${stray} does not apply to "${command}"`);
}

const COMMANDS: readonly string[] = ["create", "rotate", "revoke", "list"] satisfies CommandName[];

// Each group's own options; any of them given to another command is a usage error.
const OWN_OPTIONS: Record<string, readonly string[]> = {
  "admin-key": Object.keys(ADMIN_KEY_OPTIONS),
  events: Object.keys(EVENTS_OPTIONS),
  webhook: Object.keys(WEBHOOK_OPTIONS),
  log: Object.keys(LOG_OPTIONS),
};

function rejectOthersOptions(command: string, values: Record<string, unknown>) {
  // An option two groups share (--types) is no stray in either.
  const own = OWN_OPTIONS[command] ?? [];
  for (const [owner, options] of Object.entries(OWN_OPTIONS)) {
    if (owner === command) continue;
    const stray = options.find((option) => !own.includes(option) && values[option] !== undefined);
    if (stray) throw usageError(`--${stray} does not apply to "${command}"`);
  }
}

export function validateTenantName(name: string): string {
  // Lower-case only although DNS is case-insensitive: the name is also the D1 key and the
  // Worker matches it against the Host header, so one spelling per tenant avoids look-alikes.
  if (!TENANT_NAME.test(name)) {
    throw usageError(`invalid tenant name "${name}": use 1-63 lower-case letters, digits or "-", not starting or ending with "-"`);
  }
  return name;
}

/** resolvePath makes --persist-to and --config absolute: wrangler runs in the project root, not the caller's directory. */
export function parseCliArgs(argv: string[], resolvePath: (p: string) => string): CliRequest {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        local: { type: "boolean" },
        remote: { type: "boolean" },
        json: { type: "boolean" },
        "persist-to": { type: "string" },
        config: { type: "string", short: "c" },
        help: { type: "boolean", short: "h" },
        ...OAUTH_OPTIONS,
        ...POLICY_OPTIONS,
        ...ADMIN_KEY_OPTIONS,
        ...EVENTS_OPTIONS,
        ...WEBHOOK_OPTIONS,
        ...LOG_OPTIONS,
      },
    });
  } catch (error) {
    // node:util reports unknown flags and missing flag values as TypeError with a readable message.
    throw usageError(`${(error as Error).message}\nRun with --help for usage.`);
  }
  const { values, positionals } = parsed;
  if (values.help || positionals[0] === "help") return { kind: "help" };

  const [command, ...rest] = positionals;
  if (command === undefined) throw usageError("missing command\nRun with --help for usage.");
  if (!COMMANDS.includes(command) && !OAUTH_COMMANDS.includes(command) && !POLICY_COMMANDS.includes(command) && !OWN_OPTIONS[command]) {
    throw usageError(`unknown command "${command}"\nRun with --help for usage.`);
  }
  if (values.local && values.remote) throw usageError("--local and --remote exclude each other");
  if (values.remote && values["persist-to"] !== undefined) {
    throw usageError("--persist-to applies to local state only; drop it or drop --remote");
  }
  const target: Target = {
    remote: values.remote === true,
    persistTo: values["persist-to"] === undefined ? undefined : resolvePath(values["persist-to"]),
    config: values.config === undefined ? undefined : resolvePath(values.config),
  };
  const json = values.json === true;
  rejectOthersOptions(command, values);
  if (command === "admin-key" || command === "events" || command === "webhook" || command === "log") {
    rejectForeignOptions(command, values);
    rejectPolicyOptions(command, values);
    if (command === "webhook") return parseWebhookCommand(rest, values, target, json, validateTenantName);
    if (command === "log") return parseLogCommand(rest, values, target, json, validateTenantName);
    return command === "admin-key"
      ? parseAdminKeyCommand(rest, values, target, json, validateTenantName)
      : parseEventsCommand(rest, values, target, json, validateTenantName);
  }

  if (POLICY_COMMANDS.includes(command)) {
    rejectForeignOptions(command, values);
    const tenantOf = (name: string | undefined) => {
      if (name === undefined) throw usageError(`"${command}" needs a tenant name`);
      return validateTenantName(name);
    };
    return parsePolicyCommand(positionals, values as PolicyValues, tenantOf, target, json);
  }
  rejectPolicyOptions(command, values);
  if (OAUTH_COMMANDS.includes(command)) return parseOAuthCommand(command, rest, values, target, json, validateTenantName);
  rejectForeignOptions(command, values);
  if (command === "list") {
    if (rest.length > 0) throw usageError(`"list" takes no arguments, got "${rest.join(" ")}"`);
    return { kind: "run", command, target, json };
  }
  if (rest.length === 0) throw usageError(`"${command}" needs a tenant name: ${command} <tenant>`);
  if (rest.length > 1) throw usageError(`"${command}" takes one tenant name, got "${rest.join(" ")}"`);
  return {
    kind: "run",
    command: command as Exclude<CommandName, "list">,
    tenant: validateTenantName(rest[0]),
    target,
    json,
  };
}
