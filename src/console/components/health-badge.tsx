import type { Health, Verdict } from "../../requests/read.ts";

// The verdict in words as well as colour, so it reads without colour vision and in a screen reader.

const LABEL: Record<Verdict, string> = {
  healthy: "healthy",
  at_risk: "at risk",
  likely_quarantined: "likely quarantined",
  idle: "idle",
};

export function HealthBadge({ health }: { health: Pick<Health, "verdict" | "summary"> }) {
  return (
    <span class={`badge ${health.verdict}`} title={health.summary}>
      {LABEL[health.verdict]}
      {health.summary !== LABEL[health.verdict] && <span class="badge-detail">: {health.summary.replace(/^[^:]*:\s*/, "")}</span>}
    </span>
  );
}

export const percent = (ratio: number) => `${Math.round(ratio * 1000) / 10}%`;
