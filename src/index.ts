import { createApp } from "./app.ts";
import { database } from "./db/client.ts";
import type { Env } from "./env.ts";
import { defaultRetentionDays, pruneEvents } from "./events/retention.ts";

export { TenantWriter } from "./durable/tenant-writer.ts";
export { RateLimiter } from "./ratelimit/limiter.ts";

const app = createApp();

export default {
  fetch: app.fetch,
  // The Cron Trigger (wrangler.toml [triggers]): the change feed's retention.
  scheduled(_controller, env, ctx) {
    ctx.waitUntil(
      pruneEvents(database(env.DB), defaultRetentionDays(env.EVENT_RETENTION_DAYS)).then((pruned) =>
        console.log(JSON.stringify({ level: "info", event: "events_pruned", pruned })),
      ),
    );
  },
} satisfies ExportedHandler<Env>;
