import type { TenantConfig } from "../tenancy/config.ts";
import { ScimError } from "../scim/errors.ts";
import type { RateRule } from "./bucket.ts";

/** A tenant's SCIM rate per second: its own setting, else the deployment's TENANT_RATE_LIMIT. */
export function tenantRule(config: TenantConfig, defaultPerSecond: string): RateRule {
  const perSecond = config.settings.rateLimitPerSecond ?? Number(defaultPerSecond);
  return { limit: Math.max(1, perSecond), windowSeconds: 1 };
}

export const tooManyRequests = (retryAfterSeconds: number) =>
  ScimError.retryLater(429, "too many requests for this tenant; retry after the time in Retry-After", retryAfterSeconds);
