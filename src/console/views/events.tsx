import type { FeedEvent } from "../../events/read.ts";
import type { Chrome } from "./layout.tsx";
import { TenantFrame, tenantPath } from "./tenant.tsx";

// The event feed, newest first. "Live" reloads the page: it needs no JavaScript.

export const LIVE_REFRESH_SECONDS = 5;

export function EventList({ events, tenant }: { events: FeedEvent[]; tenant: string }) {
  if (events.length === 0) return <p>No events.</p>;
  return (
    <ul class="events">
      {events.map((e) => (
        <li>
          <details>
            <summary>
              <time datetime={e.time}>{e.time.replace("T", " ").slice(0, 19)}</time> <strong>{e.type}</strong>{" "}
              {e.resource.type === "User" ? (
                <a href={tenantPath(tenant, `/users/${encodeURIComponent(e.resource.id)}`)}>{e.resource.id}</a>
              ) : (
                <span class="mono">{e.resource.id}</span>
              )}{" "}
              (seq {e.seq})
            </summary>
            <pre>{JSON.stringify(e, null, 2)}</pre>
          </details>
        </li>
      ))}
    </ul>
  );
}

export function EventsPage(props: { chrome: Chrome; tenant: string; events: FeedEvent[]; live: boolean; lastSeq: number }) {
  return (
    <TenantFrame
      chrome={props.chrome}
      tenant={props.tenant}
      tab="events"
      title="Events"
      refreshSeconds={props.live ? LIVE_REFRESH_SECONDS : undefined}
    >
      <p>
        Last seq {props.lastSeq}.{" "}
        {props.live ? (
          <>
            Live: this page reloads every {LIVE_REFRESH_SECONDS} s. <a href={tenantPath(props.tenant, "/events")}>Stop</a>
          </>
        ) : (
          <a href={tenantPath(props.tenant, "/events?live=1")}>Follow live</a>
        )}
      </p>
      <EventList events={props.events} tenant={props.tenant} />
    </TenantFrame>
  );
}
