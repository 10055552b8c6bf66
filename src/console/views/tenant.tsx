import type { Child } from "hono/jsx";
import type { TenantOverview } from "../../db/console.ts";
import type { AuthStateRows } from "../../db/oauth.ts";
import type { TenantConfig } from "../../tenancy/config.ts";
import { FailureGroups } from "../components/failure-groups.tsx";
import { HealthBadge, percent } from "../components/health-badge.tsx";
import { HourlyChart } from "../components/hourly-chart.tsx";
import type { FailureGroup, Health, HealthWindow, HourBucket } from "../../requests/read.ts";
import { type Chrome, Layout } from "./layout.tsx";
import { authMethods } from "./tenants.tsx";
import { HeadRow } from "../components/head-row.tsx";

export type TenantTab = "overview" | "log" | "users" | "groups" | "events";

const TABS: [TenantTab, string, string][] = [
  ["overview", "Overview", ""],
  ["log", "Provisioning log", "/log"],
  ["users", "Users", "/users"],
  ["groups", "Groups", "/groups"],
  ["events", "Events", "/events"],
];

export const tenantPath = (tenant: string, rest = "") => `/console/tenants/${encodeURIComponent(tenant)}${rest}`;

/** A tenant's pages: its name, the tabs between them, and the page itself. */
export function TenantFrame(props: {
  chrome: Chrome;
  tenant: string;
  tab: TenantTab;
  title: string;
  refreshSeconds?: number;
  children?: Child;
}) {
  return (
    <Layout title={`${props.title}: ${props.tenant}`} chrome={props.chrome} refreshSeconds={props.refreshSeconds}>
      <h1>
        Tenant <span class="mono">{props.tenant}</span>
      </h1>
      <nav aria-label="Tenant">
        <ul class="tabs">
          {TABS.map(([tab, label, path]) => (
            <li>
              <a href={tenantPath(props.tenant, path)} aria-current={tab === props.tab ? "page" : undefined}>
                {label}
              </a>
            </li>
          ))}
        </ul>
      </nav>
      {props.children}
    </Layout>
  );
}

function WindowFacts({ label, w }: { label: string; w: HealthWindow }) {
  return (
    <>
      <dt>{label}</dt>
      <dd>
        {w.requests} requests, {w.failures} failed ({percent(w.failureRatio)}); p50 {w.p50Ms ?? "–"} ms, p95 {w.p95Ms ?? "–"} ms
      </dd>
    </>
  );
}

/** From the provisioning log. */
export interface TenantLogSummary {
  health: Health;
  hours: HourBucket[];
  failures: FailureGroup[];
}

export interface TenantOverviewProps {
  chrome: Chrome;
  tenant: TenantOverview;
  config: TenantConfig;
  auth: AuthStateRows;
  log: TenantLogSummary;
  now: Date;
}

/** Body capture as the operator reads it: off, or on with the time it turns itself off. */
export const captureState = (until: string | null, now: Date) =>
  until === null || Date.parse(until) <= now.getTime() ? "off" : `on until ${until}`;

export function TenantOverviewPage({ chrome, tenant, config, auth, log, now }: TenantOverviewProps) {
  const s = config.settings;
  const t = tenant.id;
  return (
    <TenantFrame chrome={chrome} tenant={t} tab="overview" title="Overview">
      <section aria-labelledby="health">
        <h2 id="health">Health</h2>
        <dl class="facts">
          <dt>Verdict</dt>
          <dd>
            <HealthBadge health={log.health} />
          </dd>
          <WindowFacts label="Last 24 h" w={log.health.last24h} />
          <WindowFacts label="Last 7 days" w={log.health.last7d} />
        </dl>
      </section>
      <section aria-labelledby="hours">
        <h2 id="hours">Requests per hour, 7 days</h2>
        <HourlyChart buckets={log.hours} />
      </section>
      <section aria-labelledby="failures">
        <h2 id="failures">Failures by reason, 7 days</h2>
        <FailureGroups groups={log.failures} />
      </section>
      <section aria-labelledby="settings">
        <h2 id="settings">Settings</h2>
        <dl class="facts">
          <dt>Created</dt>
          <dd>{tenant.createdAt}</dd>
          <dt>Users / groups</dt>
          <dd>
            {tenant.users} / {tenant.groups}
          </dd>
          <dt>Groups provisioning</dt>
          <dd>{s.groupsEnabled ? "on" : "off"}</dd>
          <dt>Delete mode</dt>
          <dd>{s.deleteMode}</dd>
          <dt>Allowed domains</dt>
          <dd>{s.allowedDomains.length ? s.allowedDomains.join(", ") : "any"}</dd>
          <dt>Rate limit</dt>
          <dd>{s.rateLimitPerSecond === null ? "deployment default" : `${s.rateLimitPerSecond} requests/s`}</dd>
          <dt>Provisioning log kept</dt>
          <dd>{tenant.requestLogRetentionDays === null ? "deployment default" : `${tenant.requestLogRetentionDays} days`}</dd>
          <dt>Body capture of failed requests</dt>
          <dd>
            {captureState(tenant.captureBodiesUntil, now)} (<a href={tenantPath(t, "/actions/capture-bodies")}>change…</a>)
          </dd>
          <dt>Schema extensions</dt>
          <dd>{config.extensions.length ? config.extensions.map((e) => e.urn).join(", ") : "none"}</dd>
        </dl>
      </section>
      <section aria-labelledby="auth">
        <h2 id="auth">Authentication</h2>
        <p>On: {authMethods(tenant)}</p>
        {auth.federation && (
          <p>
            Federation: Entra tenant <span class="mono">{auth.federation.entraTenantId}</span>, subject{" "}
            <span class="mono">{auth.federation.subject}</span>
          </p>
        )}
        {auth.liveSecrets.length > 0 && (
          <div class="scroll">
            <table>
              <caption>Live OAuth client secrets</caption>
              <thead>
                <HeadRow columns={["Client", "Secret", "Expires", "Action"]} />
              </thead>
              <tbody>
                {auth.liveSecrets.map((secret) => (
                  <tr>
                    <td class="mono">{secret.clientId}</td>
                    <td class="mono">{secret.secretId}</td>
                    <td>{secret.expiresAt}</td>
                    <td>
                      <a
                        href={tenantPath(
                          t,
                          `/actions/revoke-secret?client=${encodeURIComponent(secret.clientId)}&secret=${encodeURIComponent(secret.secretId)}`,
                        )}
                      >
                        Revoke…
                      </a>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
      <section aria-labelledby="actions">
        <h2 id="actions">Actions</h2>
        <ul>
          <li>
            <a href={tenantPath(t, "/actions/rotate-token")}>Rotate the Secret Token…</a>
          </li>
          <li>
            <a href={tenantPath(t, "/actions/capture-bodies")}>Turn body capture on or off…</a>
          </li>
        </ul>
      </section>
    </TenantFrame>
  );
}
