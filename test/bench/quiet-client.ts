// The noisy-neighbour benchmark's quiet tenant, in a process of its own as a second customer's
// Entra would be: the flood's client then never delays the quiet one's requests or its clock.
// Sends Entra's user match once every `interval` ms and prints the latencies (ms) as JSON.
//
//   node quiet-client.ts <port> <tenant> <token> <samples> <interval>

import { Agent } from "node:http";
import { httpFetch } from "../harness/serve-worker.ts";

const [port, tenant, token, samples, interval] = process.argv.slice(2);
const agent = new Agent({ keepAlive: true });
const match = (i: number) => `/scim/v2/Users?filter=${encodeURIComponent(`userName eq "q-${1 + (i % 10000)}@bench.test"`)}`;

async function get(path: string): Promise<number> {
  const response = await httpFetch(agent, { port: Number(port), path, host: `${tenant}.localhost:${port}`, headers: { Authorization: `Bearer ${token}` } });
  await response.arrayBuffer();
  return response.status;
}

await get(match(0)); // opens the connection
const latencies: number[] = [];
for (let i = 0; i < Number(samples); i++) {
  const started = performance.now();
  const status = await get(match(i));
  latencies.push(performance.now() - started);
  if (status !== 200) throw new Error(`quiet tenant got ${status}`);
  const wait = Number(interval) - (performance.now() - started);
  if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
}
agent.destroy();
process.stdout.write(JSON.stringify(latencies));
