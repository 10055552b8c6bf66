// What each command prints on stdout. With --json that is exactly one JSON value, so scripts can
// parse stdout whole; everything else the operator should see goes to stderr.

import type { IssuedToken, RevokeResult, TenantListing } from "./commands.ts";

export const json = (value: unknown) => `${JSON.stringify(value)}\n`;

export function issuedText(result: IssuedToken, verb: "created" | "rotated"): string {
  const heading = verb === "created" ? `Tenant "${result.tenant}" created.` : `New token for "${result.tenant}".`;
  return [
    heading,
    "",
    `  Tenant URL:    ${result.tenantUrl}`,
    `  Secret Token:  ${result.token}`,
    "",
    "The Secret Token is shown only now and stored only as a hash: paste both into Entra",
    "(Enterprise application > Provisioning > Admin Credentials) before closing this terminal.",
    "",
  ].join("\n");
}

export const revokedText = (result: RevokeResult) =>
  result.revoked ? `Token of "${result.tenant}" revoked.\n` : `Tenant "${result.tenant}" had no token.\n`;

export function listText(tenants: TenantListing[]): string {
  if (tenants.length === 0) return "No tenants. Create one with: npm run tenant -- create <tenant>\n";
  const header = ["TENANT", "CREATED", "TOKEN", "TENANT URL"];
  const rows = tenants.map((t) => [t.tenant, t.createdAt, t.tokenLive ? "live" : "none", t.tenantUrl]);
  const widths = header.map((_, i) => Math.max(...[header, ...rows].map((row) => row[i].length)));
  return `${[header, ...rows]
    .map((row) =>
      row
        .map((cell, i) => cell.padEnd(widths[i]))
        .join("  ")
        .trimEnd(),
    )
    .join("\n")}\n`;
}
