import type { Database } from "../db/client.ts";
import { deliverDue } from "../webhooks/deliver.ts";

// Webhook delivery driven by the tenant's writer's alarm (README: Webhooks). The alarm lives in the
// object's own storage, so arming it after a commit costs the write no D1 round trip, and a reset
// or a deploy only delays the pass: the endpoints' positions are in D1.

// An alarm has no arguments: the object keeps the tenant it serves beside it.
const TENANT_KEY = "webhooks:tenant";

/** `allowLocalHttp`: WEBHOOK_ALLOW_LOCAL_HTTP, for the URL policy each delivery applies again. */
export function webhookAlarm(storage: DurableObjectStorage, db: Database, allowLocalHttp: boolean) {
  let tenantKnown: string | undefined;
  let passes: Promise<unknown> = Promise.resolve();

  /** Runs the alarm at `at` unless it is already due sooner. */
  async function armAt(at: number) {
    const pending = await storage.getAlarm();
    if (pending === null || pending > at) await storage.setAlarm(at);
  }

  // Set by a kick (an endpoint added, enabled or rewound through the admin API): writes arm the
  // alarm from then on, before the Worker's cached config (CONFIG_CACHE_SECONDS) shows the endpoint.
  let kicked = false;

  return {
    /** Whether a write should arm the alarm, given what the Worker's config says. */
    wanted: (configSays: boolean | undefined) => configSays === true || kicked,

    kick(tenant: string) {
      kicked = true;
      return this.arm(tenant);
    },

    async arm(tenant: string) {
      if (tenantKnown !== tenant) {
        await storage.put(TENANT_KEY, tenant);
        tenantKnown = tenant;
      }
      await armAt(Date.now());
    },

    /**
     * One bounded pass; re-armed for what is left (at once) or for the earliest retry. Passes are
     * chained: two at once would both send an endpoint's next event.
     */
    run() {
      const run = passes.then(async () => {
        tenantKnown ??= await storage.get<string>(TENANT_KEY);
        if (tenantKnown === undefined) return;
        // fetch is looked up per call: the Worker's global, which tests stub.
        const next = await deliverDue(db, tenantKnown, { now: Date.now, fetch: (input, init) => fetch(input, init), allowLocalHttp });
        if (next !== null) await armAt(next);
      });
      passes = run.catch(() => undefined);
      return run;
    },
  };
}
