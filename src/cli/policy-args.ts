// Arguments of the per-tenant schema and policy commands (schema, domains, settings), checked as
// strictly as args.ts checks the tenant commands: what reaches policy-commands.ts is well-formed.

import { type AttributeDef, attribute as defineAttribute } from "../scim/schema/attribute.ts";
import type { Target } from "./args.ts";
import { captureWindowMs } from "../requests/capture.ts";
import { usageError } from "./errors.ts";

/** The options only these commands take; args.ts adds them to its parser. */
export const POLICY_OPTIONS = {
  attr: { type: "string", multiple: true },
  resource: { type: "string" },
  required: { type: "boolean" },
  "delete-mode": { type: "string" },
  groups: { type: "string" },
  "rate-limit": { type: "string" },
  "event-retention-days": { type: "string" },
  "log-retention-days": { type: "string" },
  "capture-bodies": { type: "string" },
} as const;

export type PolicyOption = keyof typeof POLICY_OPTIONS;
export type PolicyValues = { attr?: string[]; resource?: string; required?: boolean } & {
  [K in Exclude<PolicyOption, "attr" | "required">]?: string;
};

export const POLICY_COMMANDS: readonly string[] = ["schema", "domains", "settings"];

const TYPES = ["string", "boolean", "integer", "decimal", "dateTime", "reference"] as const;
type AttrType = (typeof TYPES)[number];

/** An attribute as stored in tenant_schemas: the definitions the Worker's built-in schemas use. */
export type AttributeSpec = AttributeDef;

export interface SettingsChange {
  deleteMode?: "hard" | "soft";
  groupsEnabled?: boolean;
  /** null: back to the deployment's default. */
  rateLimitPerSecond?: number | null;
  /** null: back to the deployment's default. */
  eventRetentionDays?: number | null;
  /** Days the provisioning log keeps requests; null: back to REQUEST_LOG_RETENTION_DAYS. */
  requestLogRetentionDays?: number | null;
  /** How long from now failed requests' bodies are captured (ms); null: off now. */
  captureBodiesMs?: number | null;
}

interface Common {
  kind: "policy";
  tenant: string;
  target: Target;
  json: boolean;
}

export type PolicyRequest = Common &
  (
    | { command: "schema add"; urn: string; resourceType: "User" | "Group"; required: boolean; attributes: AttributeSpec[] }
    | { command: "schema list" }
    | { command: "schema remove"; urn: string }
    | { command: "domains set"; domains: string[] }
    | { command: "settings set"; change: SettingsChange }
  );

// RFC 7643 §2.1 ATTRNAME: ALPHA *( "-" / "_" / DIGIT / ALPHA ).
const ATTR_NAME = /^[A-Za-z][A-Za-z0-9_-]{0,63}$/;
const URN = /^urn:[A-Za-z0-9][A-Za-z0-9.-]*(?::[A-Za-z0-9._-]+)+$/;
const DOMAIN = /^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;
const CANONICAL = /^[A-Za-z0-9 _.@-]{1,64}$/;
const BUILT_IN = [
  "urn:ietf:params:scim:schemas:core:2.0:user",
  "urn:ietf:params:scim:schemas:core:2.0:group",
  "urn:ietf:params:scim:schemas:extension:enterprise:2.0:user",
];

/** `name:type[:flag...]`, flags: multi, required, caseExact, readOnly|immutable|writeOnly, returned=…, unique, values=a|b, refs=a|b. */
export function parseAttributeSpec(spec: string): AttributeSpec {
  const [name, type, ...flags] = spec.split(":");
  if (!name || !ATTR_NAME.test(name))
    throw usageError(`--attr ${spec}: "${name}" is not a valid attribute name (letters, digits, "-" and "_", starting with a letter)`);
  if (!TYPES.includes(type as AttrType)) throw usageError(`--attr ${spec}: type must be one of ${TYPES.join(", ")}`);
  const attribute = defineAttribute(name, type as AttrType);
  for (const flag of flags) {
    const [key, value] = flag.split("=", 2);
    switch (key) {
      case "multi":
        attribute.multiValued = true;
        break;
      case "required":
        attribute.required = true;
        break;
      case "caseExact":
        attribute.caseExact = true;
        break;
      case "readOnly":
      case "immutable":
      case "writeOnly":
        attribute.mutability = key;
        break;
      case "unique":
        attribute.uniqueness = "server";
        break;
      case "returned":
        if (value !== "always" && value !== "never" && value !== "default" && value !== "request") {
          throw usageError(`--attr ${spec}: returned must be always, never, default or request`);
        }
        attribute.returned = value;
        break;
      case "values":
      case "refs": {
        const list = (value ?? "").split("|");
        if (!list.every((v) => CANONICAL.test(v)))
          throw usageError(`--attr ${spec}: ${key} takes a|b|c of letters, digits, space, _ . @ -`);
        if (key === "values") attribute.canonicalValues = list;
        else attribute.referenceTypes = list;
        break;
      }
      default:
        throw usageError(
          `--attr ${spec}: unknown flag "${flag}" (multi, required, caseExact, readOnly, immutable, writeOnly, returned=…, unique, values=a|b, refs=a|b)`,
        );
    }
  }
  if (attribute.referenceTypes && attribute.type !== "reference") throw usageError(`--attr ${spec}: refs= needs type reference`);
  return attribute;
}

function parseUrn(urn: string | undefined): string {
  if (!urn || !URN.test(urn)) throw usageError(`"${urn ?? ""}" is not a schema URN (e.g. urn:scim:acme:User)`);
  if (BUILT_IN.includes(urn.toLowerCase())) throw usageError(`${urn} is a built-in schema`);
  return urn;
}

function parseResource(value: string | undefined, urn: string): "User" | "Group" {
  // Entra's extension URNs end in the resource type (urn:scim:skillcast:User).
  const named = value ?? urn.slice(urn.lastIndexOf(":") + 1);
  if (named.toLowerCase() === "user") return "User";
  if (named.toLowerCase() === "group") return "Group";
  if (value === undefined) return "User";
  throw usageError("--resource must be User or Group");
}

/** "30m", "24h", "7d" (at most 7 days), or "off". */
function parseCaptureWindow(value: string): number | null {
  const ms = captureWindowMs(value);
  if (ms === undefined) throw usageError("--capture-bodies must be a time such as 30m, 24h or 7d (at most 7 days), or off");
  return ms;
}

/** A retention in days, or null for "default". */
function parseDays(value: string, option: string): number | null {
  if (value === "default") return null;
  if (/^[1-9]\d{0,4}$/.test(value)) return Number(value);
  throw usageError(`--${option} must be days (1-99999) or default`);
}

function parseSettings(values: PolicyValues): SettingsChange {
  const change: SettingsChange = {};
  const mode = values["delete-mode"];
  if (mode !== undefined) {
    if (mode !== "hard" && mode !== "soft") throw usageError("--delete-mode must be hard or soft");
    change.deleteMode = mode;
  }
  const groups = values.groups;
  if (groups !== undefined) {
    if (groups !== "on" && groups !== "off") throw usageError("--groups must be on or off");
    change.groupsEnabled = groups === "on";
  }
  const rate = values["rate-limit"];
  if (rate !== undefined) {
    if (rate === "default") change.rateLimitPerSecond = null;
    else if (/^[1-9]\d{0,5}$/.test(rate)) change.rateLimitPerSecond = Number(rate);
    else throw usageError("--rate-limit must be requests per second (1-999999) or default");
  }
  const retention = values["event-retention-days"];
  if (retention !== undefined) change.eventRetentionDays = parseDays(retention, "event-retention-days");
  const logRetention = values["log-retention-days"];
  if (logRetention !== undefined) change.requestLogRetentionDays = parseDays(logRetention, "log-retention-days");
  const capture = values["capture-bodies"];
  if (capture !== undefined) change.captureBodiesMs = parseCaptureWindow(capture);
  if (Object.keys(change).length === 0) {
    throw usageError(
      "settings set needs --delete-mode, --groups, --rate-limit, --event-retention-days, --log-retention-days or --capture-bodies",
    );
  }
  return change;
}

/** `positionals` after the command word(s) have been checked to name a policy command. */
export function parsePolicyCommand(
  positionals: string[],
  values: PolicyValues,
  tenantOf: (name: string | undefined) => string,
  target: Target,
  json: boolean,
): PolicyRequest {
  const [group, verb, tenantName, ...rest] = positionals;
  const command = `${group} ${verb ?? ""}`.trim();
  const tenant = () => tenantOf(tenantName);
  const common = { kind: "policy" as const, target, json };
  const noMore = (allowed: number) => {
    if (rest.length > allowed) throw usageError(`unexpected argument "${rest[allowed]}" for ${command}`);
  };
  switch (command) {
    case "schema add": {
      noMore(1);
      const urn = parseUrn(rest[0]);
      const attributes = (values.attr ?? []).map(parseAttributeSpec);
      if (attributes.length === 0) throw usageError("schema add needs at least one --attr name:type[:flags]");
      const names = attributes.map((a) => a.name.toLowerCase());
      const dup = names.find((n, i) => names.indexOf(n) !== i);
      if (dup) throw usageError(`attribute "${dup}" is given twice (names are case-insensitive)`);
      return {
        ...common,
        command,
        tenant: tenant(),
        urn,
        resourceType: parseResource(values.resource, urn),
        required: values.required ?? false,
        attributes,
      };
    }
    case "schema list":
      noMore(0);
      return { ...common, command, tenant: tenant() };
    case "schema remove":
      noMore(1);
      return { ...common, command, tenant: tenant(), urn: parseUrn(rest[0]) };
    case "domains set": {
      const domains = rest.map((d) => d.toLowerCase());
      const bad = domains.find((d) => !DOMAIN.test(d));
      if (bad) throw usageError(`"${bad}" is not a domain name`);
      return { ...common, command, tenant: tenant(), domains: [...new Set(domains)] };
    }
    case "settings set":
      noMore(0);
      return { ...common, command, tenant: tenant(), change: parseSettings(values) };
    default:
      throw usageError(`unknown command "${command}": use schema add|list|remove, domains set, settings set`);
  }
}

/** Options that belong to these commands only: used by args.ts to refuse them elsewhere. */
export const POLICY_ONLY_OPTIONS = Object.keys(POLICY_OPTIONS) as PolicyOption[];
