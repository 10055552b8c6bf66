import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../env.ts";
import { type Bucket, take } from "../ratelimit/bucket.ts";
import { tenantRule, tooManyRequests } from "../ratelimit/tenant.ts";

// Every SCIM request of a tenant counts against its rate in this isolate: a memory-only check, so
// the hot path pays no round trip. Writes are also counted exactly, across isolates, by the
// tenant's writer (durable/tenant-writer.ts), which every write passes anyway.
const buckets = new Map<string, Bucket>();
const LIMIT = 10_000;

export const tenantRateLimit = createMiddleware<AppEnv>(async (c, next) => {
  const tenant = c.var.tenant;
  const { decision, bucket } = take(buckets.get(tenant), tenantRule(c.var.config, c.env.TENANT_RATE_LIMIT), Date.now());
  if (buckets.size >= LIMIT && !buckets.has(tenant)) buckets.clear();
  buckets.set(tenant, bucket);
  if (!decision.allowed) throw tooManyRequests(decision.retryAfterSeconds);
  await next();
});
