import type { CredentialKind, LoggedRequest } from "../../requests/read.ts";
import { HeadRow } from "./head-row.tsx";

// The provisioning log as a table: what Entra sent (method, path with its filter) and what it got
// back (status, scimType, detail), with the credential it used and its correlation id.

const CREDENTIAL: Record<CredentialKind, string> = {
  secret_token: "Secret Token",
  oauth_client: "OAuth client",
  federation: "federation",
  none: "none",
};

export const credentialLabel = (c: LoggedRequest["credential"]) => (c.id ? `${CREDENTIAL[c.kind]} ${c.id}` : CREDENTIAL[c.kind]);

export function StatusCell({ status }: { status: number }) {
  return <span class={status >= 400 ? "status failed" : "status ok"}>{status}</span>;
}

export function LogTable({ requests, caption }: { requests: LoggedRequest[]; caption: string }) {
  if (requests.length === 0) return <p>No requests match.</p>;
  return (
    <div class="scroll">
      <table class="log">
        <caption>{caption}</caption>
        <thead>
          <HeadRow columns={["Time (UTC)", "Request", "Status", "Error", "ms", "Credential", "Correlation"]} />
        </thead>
        <tbody>
          {requests.map((r) => (
            <tr id={`req-${r.id}`}>
              <td>
                <time datetime={r.time}>{r.time.replace("T", " ").slice(0, 19)}</time>
              </td>
              <td class="mono">
                {r.method} {r.path}
              </td>
              <td>
                <StatusCell status={r.status} />
              </td>
              <td>
                {r.scimType && <code>{r.scimType}</code>} {r.detail}
                {r.bodies && (
                  <details>
                    <summary>Captured bodies</summary>
                    {r.bodies.request !== undefined && <pre>{r.bodies.request}</pre>}
                    {r.bodies.response !== undefined && <pre>{r.bodies.response}</pre>}
                  </details>
                )}
              </td>
              <td>{r.durationMs}</td>
              <td>{credentialLabel(r.credential)}</td>
              <td class="mono">{r.correlationId ?? ""}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
