// Human-readable output of the OAuth commands (--json prints the results as they are).

import type {
  AuthSettingsView,
  ClientListing,
  FederationView,
  IssuedClientSecret,
  RevokedClient,
  TenantAuthView,
} from "./oauth-commands.ts";

function table(header: string[], rows: string[][]): string {
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

export function issuedClientText(result: IssuedClientSecret, tenantUrl: string): string {
  return [
    result.secretId === undefined
      ? `OAuth client created for "${result.tenant}".`
      : `New secret ${result.secretId} for client "${result.clientId}".`,
    "",
    `  Tenant URL:      ${tenantUrl}`,
    `  Token endpoint:  ${result.tokenEndpoint}`,
    `  Client ID:       ${result.clientId}`,
    `  Client secret:   ${result.clientSecret}`,
    `  Expires:         ${result.expiresAt}`,
    "",
    "The client secret is shown only now and stored only as a hash: paste these into Entra",
    "(Enterprise application > Provisioning > Admin Credentials, OAuth2 client credentials grant)",
    "before closing this terminal.",
    "",
  ].join("\n");
}

export const revokedClientText = ({ clientId, revokedSecretIds: ids }: RevokedClient) =>
  `Revoked ${ids.length === 1 ? "secret" : "secrets"} ${ids.join(", ") || "(none left)"} of client "${clientId}".\n`;

export function clientListText(tenant: string, clients: ClientListing[]): string {
  if (clients.length === 0) return `Tenant "${tenant}" has no OAuth clients. Create one with: npm run tenant -- client create ${tenant}\n`;
  const rows = clients.flatMap((client) => {
    const secrets = client.secrets.length > 0 ? client.secrets : [undefined];
    return secrets.map((s) => [
      client.clientId,
      client.revokedAt === null ? "live" : "revoked",
      s?.secretId ?? "-",
      s?.status ?? "-",
      s?.createdAt ?? "-",
      s?.expiresAt ?? "-",
    ]);
  });
  return table(["CLIENT ID", "CLIENT", "SECRET ID", "SECRET", "CREATED", "EXPIRES"], rows);
}

export function federationText(view: FederationView): string {
  if (!view.federation) return `Tenant "${view.tenant}" has no workload identity federation.\n`;
  const f = view.federation;
  return [
    `Workload identity federation of "${view.tenant}":`,
    "",
    `  Entra tenant (tid):  ${f.entraTenantId}`,
    `  Subject (sub):       ${f.subject}`,
    `  Audiences (aud):     ${f.audiences.join(", ")}`,
    `  JWKS URL:            ${f.jwksUrl ?? `https://login.microsoftonline.com/${f.entraTenantId}/discovery/v2.0/keys (default)`}`,
    "",
    "The customer types into Entra's provisioning page (Workload Identity Federation):",
    `  Client ID:       ${view.clientId}`,
    `  Token URL:       ${view.tokenEndpoint}`,
    `  SCIM URL:        ${view.tenantUrl}`,
    "",
  ].join("\n");
}

export const federationRemovedText = (result: { tenant: string; removed: boolean }) =>
  result.removed ? `Federation of "${result.tenant}" removed.\n` : `Tenant "${result.tenant}" had no federation.\n`;

export const authSettingsText = (view: AuthSettingsView) =>
  `Tenant "${view.tenant}": access tokens live ${view.accessTokenSeconds} s; Entra's own token ${
    view.entraTokenTenantId === null ? "refused" : `accepted from Entra tenant ${view.entraTokenTenantId}`
  }.\n`;

export function tenantAuthText(view: TenantAuthView): string {
  const on = (enabled: boolean, detail = "") => (enabled ? `enabled${detail}` : "off");
  const clients = ` (${view.liveClients} client${view.liveClients === 1 ? "" : "s"} with a live secret)`;
  const federation = view.federation ? ` (tid ${view.federation.entraTenantId}, sub ${view.federation.subject})` : "";
  const entra = view.entraTokenTenantId ? ` (tid ${view.entraTokenTenantId}; testing only)` : "";
  return [
    `Tenant "${view.tenant}"`,
    `  Tenant URL:          ${view.tenantUrl}`,
    `  Token endpoint:      ${view.tokenEndpoint}`,
    `  Secret Token:        ${on(view.methods.includes("secretToken"))}`,
    `  Client credentials:  ${on(view.liveClients > 0, clients)}`,
    `  Federation:          ${on(view.federation !== null, federation)}`,
    `  Entra's own token:   ${on(view.entraTokenTenantId !== null, entra)}`,
    `  Access token life:   ${view.accessTokenSeconds} s`,
    "",
  ].join("\n");
}
