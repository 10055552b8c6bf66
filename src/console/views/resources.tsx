import type { StoredResource } from "../../scim/serialize.ts";
import type { Chrome } from "./layout.tsx";
import { TenantFrame, tenantPath } from "./tenant.tsx";
import { HeadRow } from "../components/head-row.tsx";

export type SearchOutcome = { ok: true; total: number; resources: StoredResource[] } | { ok: false; error: string };

const EXAMPLES = { users: 'userName eq "alice@contoso.com"', groups: 'displayName sw "Sales"' };

const text = (value: unknown) => (value === undefined || value === null ? "" : String(value));

export function ResourcesPage(props: { chrome: Chrome; tenant: string; kind: "users" | "groups"; filter: string; outcome: SearchOutcome }) {
  const { kind, tenant, outcome } = props;
  const title = kind === "users" ? "Users" : "Groups";
  return (
    <TenantFrame chrome={props.chrome} tenant={tenant} tab={kind} title={title}>
      <search>
        <form method="get" class="inline">
          <div class="grow">
            <label for="filter">SCIM filter</label>
            <input
              id="filter"
              name="filter"
              type="search"
              value={props.filter}
              placeholder={EXAMPLES[kind]}
              aria-describedby="filter-help"
            />
          </div>
          <button type="submit">Search</button>
        </form>
      </search>
      <p id="filter-help">
        As Entra sends it (RFC 7644 §3.4.2.2), e.g. <code>{EXAMPLES[kind]}</code>. Empty lists everything.
      </p>
      {outcome.ok ? (
        <div class="scroll">
          <table>
            <caption>
              {outcome.total} {outcome.total === 1 ? kind.slice(0, -1) : kind}
              {outcome.total > outcome.resources.length ? `, first ${outcome.resources.length} shown` : ""}
            </caption>
            <thead>
              {kind === "users" ? (
                <HeadRow columns={["userName", "displayName", "active", "externalId", "id"]} />
              ) : (
                <HeadRow columns={["displayName", "externalId", "id"]} />
              )}
            </thead>
            <tbody>
              {outcome.resources.map((r) =>
                kind === "users" ? (
                  <tr>
                    <th scope="row">
                      <a href={tenantPath(tenant, `/users/${encodeURIComponent(r.id)}`)}>{text(r.data.userName)}</a>
                    </th>
                    <td>{text(r.data.displayName)}</td>
                    <td>{text(r.data.active)}</td>
                    <td class="mono">{text(r.data.externalId)}</td>
                    <td class="mono">{r.id}</td>
                  </tr>
                ) : (
                  <tr>
                    <th scope="row">{text(r.data.displayName)}</th>
                    <td class="mono">{text(r.data.externalId)}</td>
                    <td class="mono">{r.id}</td>
                  </tr>
                ),
              )}
            </tbody>
          </table>
        </div>
      ) : (
        <p class="notice error" role="alert">
          This filter cannot be searched: {outcome.error}
        </p>
      )}
    </TenantFrame>
  );
}
