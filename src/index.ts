import { createApp } from "./app.ts";

export { TenantWriter } from "./durable/tenant-writer.ts";
export { RateLimiter } from "./ratelimit/limiter.ts";

export default createApp();
