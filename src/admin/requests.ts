import { eq } from "drizzle-orm";
import { database } from "../db/client.ts";
import { tenants } from "../db/schema.ts";
import type { Env } from "../env.ts";
import { type Health, listRequests, type LoggedRequest, type RequestQuery, statusRange, tenantHealth } from "../requests/read.ts";
import { badParam, noSuchTenant } from "./errors.ts";

// The admin API's view of the provisioning log (README: Provisioning log): parameters checked here,
// reads in requests/read.ts. A tenant that does not exist is a 404, as on every other admin route.

const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})$/;
const LOG_ID = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z-[0-9a-f]{10}$/;

/** An ISO 8601 instant, normalised to the UTC form the log's ids start with. */
export function instantParam(value: string | undefined, name: string): string | undefined {
  if (value === undefined || value === "") return undefined;
  const ms = ISO_INSTANT.test(value) ? Date.parse(value) : Number.NaN;
  if (Number.isNaN(ms)) throw badParam(`${name} must be an ISO 8601 instant such as 2026-11-30T08:00:00Z, got "${value}"`);
  return new Date(ms).toISOString();
}

export function statusParam(value: string | undefined): string | undefined {
  if (value === undefined || value === "") return undefined;
  if (statusRange(value) === null) throw badParam(`status must be 4xx, 5xx or a status code, got "${value}"`);
  return value;
}

export function cursorParam(value: string | undefined): string | undefined {
  if (value === undefined || value === "") return undefined;
  if (!LOG_ID.test(value)) throw badParam("cursor is not one this listing handed out: start again without a cursor");
  return value;
}

async function mustExist(env: Env, tenant: string) {
  const [row] = await database(env.DB).select({ id: tenants.id }).from(tenants).where(eq(tenants.id, tenant));
  if (!row) throw noSuchTenant(tenant);
}

export async function requestsPage(
  env: Env,
  tenant: string,
  query: RequestQuery,
): Promise<{ requests: LoggedRequest[]; nextCursor: string | null }> {
  await mustExist(env, tenant);
  return listRequests(database(env.DB), tenant, query);
}

export async function healthOf(env: Env, tenant: string, now: Date): Promise<Health> {
  await mustExist(env, tenant);
  return tenantHealth(database(env.DB), tenant, now);
}
