// The floor Worker (../floor-worker.ts) on the same modelled D1 as scim-edge (d1-model.ts), so the
// two compare at the same latency.

import floor from "../floor-worker.ts";
import { modelledFetch } from "./d1-model.ts";

export default { fetch: modelledFetch<{ DB: D1Database }>((request, env) => floor.fetch(request, env)) };
