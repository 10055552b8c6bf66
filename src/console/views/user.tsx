import type { FeedEvent } from "../../events/read.ts";
import type { LoggedRequest } from "../../requests/read.ts";
import type { ScimData } from "../../scim/validate.ts";
import { LogTable } from "../components/log-table.tsx";
import { EventList } from "./events.tsx";
import type { Chrome } from "./layout.tsx";
import { TenantFrame, tenantPath } from "./tenant.tsx";

// "What did Entra send for alice@contoso.com, and what did we answer?": the user as GET returns it,
// its groups, every event that changed it (each with the attributes it had before), and the logged
// requests that touched it, with their bodies where capture was on.

export function UserPage(props: { chrome: Chrome; tenant: string; user: ScimData; events: FeedEvent[]; requests: LoggedRequest[] }) {
  const groups = (props.user.groups as { value: string; display: string }[] | undefined) ?? [];
  return (
    <TenantFrame chrome={props.chrome} tenant={props.tenant} tab="users" title={String(props.user.userName)}>
      <h2>
        User <span class="mono">{String(props.user.userName)}</span>
      </h2>
      <p>
        <a href={tenantPath(props.tenant, "/users")}>All users</a>
      </p>
      <h3>Groups</h3>
      {groups.length ? (
        <ul>
          {groups.map((g) => (
            <li>
              {g.display} <span class="mono">({g.value})</span>
            </li>
          ))}
        </ul>
      ) : (
        <p>In no group.</p>
      )}
      <h3>SCIM JSON</h3>
      <pre>{JSON.stringify(props.user, null, 2)}</pre>
      <h3>History</h3>
      <EventList events={props.events} tenant={props.tenant} />
      <h3>Requests</h3>
      <LogTable requests={props.requests} caption="Requests that touched this user, newest first" />
    </TenantFrame>
  );
}
