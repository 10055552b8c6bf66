import type { TenantOverview } from "../../src/db/console.ts";
import { DEFAULT_SETTINGS } from "../../src/tenancy/config.ts";
import { LogPage } from "../../src/console/views/log.tsx";
import { TenantOverviewPage } from "../../src/console/views/tenant.tsx";
import { conflict, failureGroups, health, hours, ok, unauthorized } from "../fixtures/console-log.ts";

// The tenant and log pages as they render with provisioning-log data, from fixtures in the
// contract's shapes: the browser draws them while the log is not yet wired into the console.

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
export async function renderFixturePages() {
  const overview = TenantOverviewPage({
    chrome,
    tenant,
    config: { extensions: [], settings: DEFAULT_SETTINGS, webhooks: false },
    auth: { secretToken: true, liveSecrets: [], federation: undefined, entraTokenTenantId: null },
    log: { health, hours, failures: failureGroups },
    now: new Date(hours.at(-1)?.hour ?? 0),
  });
  const log = LogPage({
    chrome,
    tenant: "contoso",
    query: { status: "4xx", limit: 50 },
    page: { requests: [unauthorized, conflict, ok], nextCursor: "r000000000001" },
  });
  return { overview: `<!doctype html>${await overview.toString()}`, log: `<!doctype html>${await log.toString()}` };
}
