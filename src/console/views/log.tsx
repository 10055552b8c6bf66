import type { LoggedRequest, RequestQuery } from "../../requests/read.ts";
import { LogTable } from "../components/log-table.tsx";
import type { Chrome } from "./layout.tsx";
import { TenantFrame, tenantPath } from "./tenant.tsx";

export interface LogPageData {
  requests: LoggedRequest[];
  nextCursor: string | null;
}

const STATUSES: [string, string][] = [
  ["", "any"],
  ["4xx", "4xx (client errors)"],
  ["5xx", "5xx (server errors)"],
  ["401", "401"],
  ["404", "404"],
  ["409", "409"],
  ["429", "429"],
];

const queryString = (q: RequestQuery, cursor: string) =>
  new URLSearchParams(
    Object.entries({ status: q.status, since: q.since, until: q.until, cursor }).filter((e): e is [string, string] => e[1] !== undefined),
  ).toString();

/** The filterable provisioning log, a page at a time. */
export function LogPage(props: { chrome: Chrome; tenant: string; query: RequestQuery; page: LogPageData }) {
  const { query, page } = props;
  return (
    <TenantFrame chrome={props.chrome} tenant={props.tenant} tab="log" title="Provisioning log">
      <form method="get" class="inline" aria-label="Filter the log">
        <div>
          <label for="status">Status</label>
          <select id="status" name="status">
            {STATUSES.map(([value, label]) => (
              <option value={value} selected={(query.status ?? "") === value}>
                {label}
              </option>
            ))}
          </select>
        </div>
        <div>
          <label for="since">Since (UTC)</label>
          <input id="since" name="since" type="text" inputmode="numeric" placeholder="2026-11-30T00:00:00Z" value={query.since ?? ""} />
        </div>
        <div>
          <label for="until">Until (UTC)</label>
          <input id="until" name="until" type="text" inputmode="numeric" placeholder="2026-11-30T23:59:59Z" value={query.until ?? ""} />
        </div>
        <button type="submit">Filter</button>
      </form>
      <LogTable requests={page.requests} caption={`Requests, newest first${query.status ? `, status ${query.status}` : ""}`} />
      {page.nextCursor && (
        <p>
          <a href={`${tenantPath(props.tenant, "/log")}?${queryString(query, page.nextCursor)}`}>Older requests</a>
        </p>
      )}
    </TenantFrame>
  );
}
