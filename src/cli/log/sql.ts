// The provisioning log's statements of `log`, for `wrangler d1 execute` (no bound parameters): the
// tenant passed the argument checks and passes literal()'s pattern here again; the id comes from a
// row this command read and must have the log's id form.

import { TENANT_NAME } from "../../lib/token-store.ts";
import { literal } from "../sql.ts";

const LOG_ID = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z-[0-9a-f]{10}$/;

export const selectTenantExists = (tenant: string) =>
  `SELECT EXISTS (SELECT 1 FROM tenants WHERE id = ${literal(tenant, TENANT_NAME, "tenant name")}) AS tenant_exists`;

const COLUMNS = `id, time, method, path, status, duration_ms AS durationMs, scim_type AS scimType, detail, resource_id AS resourceId,
  credential_kind AS credentialKind, credential_id AS credentialId, correlation_id AS correlationId,
  request_body AS requestBody, response_body AS responseBody`;

/** The newest `limit` rows after `after` (all when null), newest first: the caller prints them oldest first. */
export function selectRequests(tenant: string, after: string | null, failures: boolean, limit: number): string {
  if (!Number.isSafeInteger(limit)) throw new Error("refusing a non-integer limit in SQL");
  const conditions = [`tenant_id = ${literal(tenant, TENANT_NAME, "tenant name")}`];
  if (after !== null) conditions.push(`id > ${literal(after, LOG_ID, "log id")}`);
  if (failures) conditions.push("status >= 400");
  return `SELECT ${COLUMNS} FROM request_log WHERE ${conditions.join(" AND ")} ORDER BY id DESC LIMIT ${limit}`;
}
