import type { FailureGroup } from "../../requests/read.ts";
import { LogTable } from "./log-table.tsx";

// Failures by reason, most frequent first, each with its latest examples: what an operator fixes first.

export function FailureGroups({ groups }: { groups: FailureGroup[] }) {
  if (groups.length === 0) return <p>No failed requests.</p>;
  return (
    <ol class="failure-groups">
      {groups.map((g) => (
        <li>
          <details>
            <summary>
              <strong>{g.reason}</strong>: {g.count} {g.count === 1 ? "request" : "requests"}
            </summary>
            <LogTable requests={g.latest} caption={`Latest ${g.reason}`} />
          </details>
        </li>
      ))}
    </ol>
  );
}
