// scim-edge as `npm run bench:cycle -- --d1-latency <ms>` serves it: the Worker and its Durable
// Objects as src/index.ts exports them, with D1 modelled (d1-model.ts) for the Worker and for every
// tenant's writer. Never deployed: the production entry stays src/index.ts, which has no /__bench/ route.

import worker, { TenantWriter as ProductionWriter } from "../../../src/index.ts";
import type { Env } from "../../../src/env.ts";
import { model, modelledEnv, modelledFetch } from "./d1-model.ts";

export * from "../../../src/index.ts";

/** The tenant's writer on the modelled D1, its calls counted as the Worker's RPCs to it. */
export class TenantWriter extends ProductionWriter {
  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, modelledEnv(env));
  }

  override create(...args: Parameters<ProductionWriter["create"]>) {
    model.rpc++;
    return super.create(...args);
  }

  override replace(...args: Parameters<ProductionWriter["replace"]>) {
    model.rpc++;
    return super.replace(...args);
  }

  override patch(...args: Parameters<ProductionWriter["patch"]>) {
    model.rpc++;
    return super.patch(...args);
  }

  override remove(...args: Parameters<ProductionWriter["remove"]>) {
    model.rpc++;
    return super.remove(...args);
  }
}

export default { fetch: modelledFetch<Env>(worker.fetch) };
