// The noisy-neighbour benchmark's quiet tenant, in a process of its own as a second customer's
// Entra would be: the flood's client then never delays the quiet one's requests or its clock.
// Sends Entra's user match `interval` ms apart on average and prints the latencies (ms) as JSON.
// The gaps are drawn between half and one and a half `interval`: on a fixed beat, the requests
// would keep one phase against the neighbour's evenly paced ones, and a run would measure that
// phase (always between the neighbour's requests, or always on one). Gaps stay near `interval`,
// because how long the machine idles between requests changes their latency too: on these VMs,
// exponential gaps of the same mean (many over 60 ms) took the quiet tenant's p95 alone from 7 ms
// to 12 ms, which would hide what a neighbour costs.
//
//   node quiet-client.ts <port | origin> <tenant> <token> <samples> <interval> <seed>
//
// A port is the local harness (127.0.0.1, the tenant in the Host header); an origin such as
// https://scim.example.com is a deployment, reached at https://{tenant}.scim.example.com.

import { Agent } from "node:http";
import { httpFetch } from "../harness/serve-worker.ts";

const [target, tenant, token, samples, interval, seed] = process.argv.slice(2);
const agent = new Agent({ keepAlive: true });
const deployment = /^https?:\/\//.test(target) ? new URL(target) : undefined;
const match = (i: number) => `/scim/v2/Users?filter=${encodeURIComponent(`userName eq "q-${1 + (i % 10000)}@bench.test"`)}`;

async function get(path: string): Promise<number> {
  const headers = { Authorization: `Bearer ${token}` };
  const response = deployment
    ? await fetch(`${deployment.protocol}//${tenant}.${deployment.host}${path}`, { headers })
    : await httpFetch(agent, { port: Number(target), path, host: `${tenant}.localhost:${target}`, headers });
  await response.arrayBuffer();
  return response.status;
}

/** mulberry32: a small seeded generator, so a run's gaps can be drawn again. */
function random(state: number) {
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const uniform = random(Number(seed));
const gap = () => (0.5 + uniform()) * Number(interval);

await get(match(0)); // opens the connection
const latencies: number[] = [];
for (let i = 0; i < Number(samples); i++) {
  const started = performance.now();
  const status = await get(match(i));
  latencies.push(performance.now() - started);
  if (status !== 200) throw new Error(`quiet tenant got ${status}`);
  const wait = gap() - (performance.now() - started);
  if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
}
agent.destroy();
process.stdout.write(JSON.stringify(latencies));
