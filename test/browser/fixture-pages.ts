import type { TenantOverview } from "../../src/db/console.ts";
import { DEFAULT_SETTINGS } from "../../src/tenancy/config.ts";
import { TenantOverviewPage } from "../../src/console/views/tenant.tsx";
import { failureGroups, health, hours } from "../fixtures/console-log.ts";

// A tenant's page after a busy week, from fixtures in the log's shapes: a test run records a few
// requests, not seven days of them, and README's chart screenshot should show what a week looks like.

const chrome = { operator: "ak_0123456789abcdef", csrf: "fixture", viaAccess: false };

const tenant: TenantOverview = {
  id: "contoso",
  createdAt: "2026-11-01T09:00:00.000Z",
  users: 1250,
  groups: 40,
  secretToken: true,
  oauthSecrets: 0,
  federation: false,
  entraToken: false,
  captureBodiesUntil: null,
  requestLogRetentionDays: null,
};

// Components called as functions: this folder is outside the Worker's tsconfig, whose JSX settings
// the transform of .tsx files follows.
export async function renderBusyTenantPage() {
  const overview = TenantOverviewPage({
    chrome,
    tenant,
    config: { extensions: [], settings: DEFAULT_SETTINGS, webhooks: false },
    auth: { secretToken: true, liveSecrets: [], federation: undefined, entraTokenTenantId: null },
    log: { health, hours, failures: failureGroups },
    now: new Date(hours.at(-1)?.hour ?? 0),
  });
  return `<!doctype html>${await overview.toString()}`;
}
