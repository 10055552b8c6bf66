import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../env.ts";
import { pace } from "../ratelimit/pace.ts";
import { tenantRule, tooManyRequests } from "../ratelimit/tenant.ts";

// Every SCIM request of a tenant is paced to its rate in this isolate: a memory-only check, so the
// hot path pays no round trip. Writes are also counted exactly, across isolates, by the tenant's
// writer (durable/tenant-writer.ts), which every write passes anyway.
const slots = new Map<string, number | undefined>();
const LIMIT = 10_000;
// A tenant's requests may run this far ahead of its rate before they wait: a burst of
// 1 + floor(rate/10) requests (6 at 50/s), as Entra's several requests in flight make, is served as
// it comes. Below 10/s it only shortens the second request's wait.
const TOLERANCE_MS = 100;

// Date.now() moves in whole milliseconds (and stands still while a Worker computes), so a wait
// under one is noise of the clock: served at once, rather than paying a timer and a turn of the
// event loop. The slots still advance, so the rate holds over time.
const sleep = (ms: number) => (ms >= 1 ? new Promise((resolve) => setTimeout(resolve, ms)) : undefined);

/**
 * A request over its tenant's rate (past the tolerance) waits for its turn, up to
 * RATE_LIMIT_QUEUE_MS; one that would wait longer gets a 429, sent only after that same wait. Entra
 * retries a 429 at once and keeps its requests in flight (entra-scim.md): refused instantly, a
 * flood would go on at full speed, paid for by every tenant sharing the isolate. Waiting costs no CPU.
 */
export const tenantRateLimit = createMiddleware<AppEnv>(async (c, next) => {
  const tenant = c.var.tenant;
  const maxWaitMs = Number(c.env.RATE_LIMIT_QUEUE_MS ?? 0);
  const rule = tenantRule(c.var.config, c.env.TENANT_RATE_LIMIT);
  const { decision, nextSlot } = pace(slots.get(tenant), rule, Date.now(), { toleranceMs: TOLERANCE_MS, maxWaitMs });
  if (slots.size >= LIMIT && !slots.has(tenant)) slots.clear();
  slots.set(tenant, nextSlot);
  if (!decision.allowed) {
    await sleep(maxWaitMs);
    throw tooManyRequests(decision.retryAfterSeconds);
  }
  await sleep(decision.waitMs);
  await next();
  // The writer's exact count refused the write.
  if (c.res.status === 429) await sleep(maxWaitMs);
});
