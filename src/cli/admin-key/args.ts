// Arguments of `admin-key create [--tenant <t>] | list | revoke <id>`, checked so that what reaches
// admin-key/commands.ts is safe for SQL.

import { ADMIN_KEY_ID, ALL_TENANTS } from "../../lib/admin-keys.ts";
import type { Target } from "../args.ts";
import { usageError } from "../errors.ts";

/** The options only these commands take; args.ts adds them to its parser. */
export const ADMIN_KEY_OPTIONS = { tenant: { type: "string" } } as const;

export type AdminKeyRequest = { kind: "admin-key"; target: Target; json: boolean } & (
  | { command: "admin-key create"; scope: string }
  | { command: "admin-key list" }
  | { command: "admin-key revoke"; id: string }
);

export function parseAdminKeyCommand(
  rest: string[],
  values: { tenant?: string },
  target: Target,
  json: boolean,
  tenantName: (name: string) => string,
): AdminKeyRequest {
  const [verb, ...args] = rest;
  const common = { kind: "admin-key" as const, target, json };
  const noTenantOption = () => {
    if (values.tenant !== undefined) throw usageError(`--tenant applies to "admin-key create" only`);
  };
  switch (verb) {
    case "create":
      if (args.length > 0) throw usageError(`"admin-key create" takes no arguments; scope it with --tenant <tenant>`);
      return { ...common, command: "admin-key create", scope: values.tenant === undefined ? ALL_TENANTS : tenantName(values.tenant) };
    case "list":
      noTenantOption();
      if (args.length > 0) throw usageError(`"admin-key list" takes no arguments`);
      return { ...common, command: "admin-key list" };
    case "revoke": {
      noTenantOption();
      const [id, ...more] = args;
      if (id === undefined || more.length > 0) throw usageError("usage: admin-key revoke <id>");
      if (!ADMIN_KEY_ID.test(id))
        throw usageError(`invalid admin key id "${id}" (ak_ and 16 hex digits); see: npm run tenant -- admin-key list`);
      return { ...common, command: "admin-key revoke", id };
    }
    default:
      throw usageError(`"admin-key" needs one of: create, list, revoke${verb === undefined ? "" : ` (got "${verb}")`}`);
  }
}
