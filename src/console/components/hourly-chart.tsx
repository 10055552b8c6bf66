import type { HourBucket } from "../../requests/read.ts";

// Requests and failures per hour as inline SVG: no chart library or CDN, so the page works offline
// and without JavaScript. The viewBox scales to the screen; the numbers are also in the caption.

const BAR = 4;
const HEIGHT = 120;
const LEFT = 36;
const BOTTOM = 18;

const dayLabel = (iso: string) => iso.slice(5, 10);

export function HourlyChart({ buckets }: { buckets: HourBucket[] }) {
  const requests = buckets.reduce((sum, b) => sum + b.requests, 0);
  const failures = buckets.reduce((sum, b) => sum + b.failures, 0);
  const peak = Math.max(1, ...buckets.map((b) => b.requests));
  const width = LEFT + buckets.length * BAR;
  const y = (n: number) => HEIGHT - (n / peak) * HEIGHT;
  const summary = `${requests} requests, ${failures} failed, over ${buckets.length} hours; busiest hour ${peak} requests`;
  return (
    <figure class="chart">
      <svg viewBox={`0 0 ${width} ${HEIGHT + BOTTOM}`} role="img" aria-label={summary} preserveAspectRatio="none" data-chart="hourly">
        <text x="0" y="10" class="axis">
          {peak}
        </text>
        <text x="0" y={HEIGHT} class="axis">
          0
        </text>
        <line x1={LEFT} y1={HEIGHT} x2={width} y2={HEIGHT} class="base" />
        {buckets.map((b, i) => {
          const x = LEFT + i * BAR;
          return (
            <g>
              <title>{`${b.hour}: ${b.requests} requests, ${b.failures} failed`}</title>
              {b.requests > 0 && <rect x={x} y={y(b.requests)} width={BAR - 1} height={HEIGHT - y(b.requests)} class="requests" />}
              {b.failures > 0 && <rect x={x} y={y(b.failures)} width={BAR - 1} height={HEIGHT - y(b.failures)} class="failures" />}
              {b.hour.slice(11, 13) === "00" && (
                <text x={x} y={HEIGHT + BOTTOM - 4} class="axis">
                  {dayLabel(b.hour)}
                </text>
              )}
            </g>
          );
        })}
      </svg>
      <figcaption>
        <span class="key requests">requests</span> <span class="key failures">failures</span> per hour (UTC). {summary}.
      </figcaption>
    </figure>
  );
}
