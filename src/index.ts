import { createApp } from "./app.ts";
import { database } from "./db/client.ts";
import type { Env } from "./env.ts";
import { daysSetting } from "./db/prune.ts";
import { pruneEvents } from "./events/retention.ts";
import { deliverWebhooks } from "./durable/client.ts";
import { pruneDeliveries, tenantsBehind } from "./webhooks/upkeep.ts";
import { pruneRequestLog } from "./requests/retention.ts";

export { TenantWriter } from "./durable/tenant-writer.ts";
export { RateLimiter } from "./ratelimit/limiter.ts";

const app = createApp();

export default {
  fetch: app.fetch,
  // The Cron Trigger (wrangler.toml [triggers]): retention of the change feed, the webhook delivery
  // log and the provisioning log, and a delivery pass for every tenant with a webhook behind.
  scheduled(_controller, env, ctx) {
    ctx.waitUntil(
      pruneEvents(database(env.DB), daysSetting(env.EVENT_RETENTION_DAYS, 30)).then((pruned) =>
        console.log(JSON.stringify({ level: "info", event: "events_pruned", pruned })),
      ),
    );
    ctx.waitUntil(
      pruneDeliveries(database(env.DB)).then((pruned) =>
        console.log(JSON.stringify({ level: "info", event: "webhook_deliveries_pruned", pruned })),
      ),
    );
    ctx.waitUntil(
      pruneRequestLog(database(env.DB), daysSetting(env.REQUEST_LOG_RETENTION_DAYS, 14)).then((pruned) =>
        console.log(JSON.stringify({ level: "info", event: "request_log_pruned", pruned })),
      ),
    );
    ctx.waitUntil(tenantsBehind(database(env.DB)).then((tenants) => Promise.all(tenants.map((tenant) => deliverWebhooks(env, tenant)))));
  },
} satisfies ExportedHandler<Env>;
