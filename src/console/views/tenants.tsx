import type { TenantOverview } from "../../db/console.ts";
import { HealthBadge, percent } from "../components/health-badge.tsx";
import type { TenantActivity } from "../../requests/read.ts";
import { type Chrome, Layout } from "./layout.tsx";
import { tenantPath } from "./tenant.tsx";
import { HeadRow } from "../components/head-row.tsx";

export function authMethods(t: TenantOverview): string {
  const on = [
    t.secretToken && "Secret Token",
    t.oauthSecrets > 0 && `OAuth client secrets (${t.oauthSecrets})`,
    t.federation && "federation",
    t.entraToken && "Entra token",
  ].filter(Boolean);
  return on.length ? on.join(", ") : "none";
}

/** activity: by tenant id, from the provisioning log. */
export function TenantsPage({
  chrome,
  tenants,
  activity,
}: {
  chrome: Chrome;
  tenants: TenantOverview[];
  activity: Map<string, TenantActivity>;
}) {
  return (
    <Layout title="Tenants" chrome={chrome}>
      <h1>Tenants</h1>
      {tenants.length === 0 ? (
        <p>
          No tenants yet: create one with <code>npm run tenant -- create &lt;name&gt;</code>.
        </p>
      ) : (
        <div class="scroll">
          <table>
            <caption>{tenants.length === 1 ? "1 tenant" : `${tenants.length} tenants`}</caption>
            <thead>
              <HeadRow
                columns={["Tenant", "Health", "Requests 24 h", "Failing 24 h", "Last request", "Users", "Groups", "Auth methods on"]}
              />
            </thead>
            <tbody>
              {tenants.map((t) => {
                const h = activity.get(t.id);
                return (
                  <tr>
                    <th scope="row">
                      <a href={tenantPath(t.id)}>{t.id}</a>
                    </th>
                    <td>{h ? <HealthBadge health={h} /> : "–"}</td>
                    <td>{h ? h.requests : "–"}</td>
                    <td>{h ? percent(h.failureRatio) : "–"}</td>
                    <td>{h?.lastRequestAt ? <time datetime={h.lastRequestAt}>{h.lastRequestAt}</time> : "–"}</td>
                    <td>{t.users}</td>
                    <td>{t.groups}</td>
                    <td>{authMethods(t)}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
    </Layout>
  );
}
