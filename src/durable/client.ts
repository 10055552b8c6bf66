import type { WritePolicy } from "../domain/context.ts";
import { hashDataPassword, hashPatchPasswords } from "../domain/passwords.ts";
import type { Env } from "../env.ts";
import { logStorageFailure } from "../lib/error-report.ts";
import { isStorageFailure } from "../lib/storage-failure.ts";
import { normalisePatchRequest } from "../scim/patch/normalise.ts";
import type { ResourceTypeDef } from "../scim/schema/resource-type.ts";
import type { StoredResource } from "../scim/serialize.ts";
import { parseResource } from "../scim/validate.ts";
import { tenantRule } from "../ratelimit/tenant.ts";
import type { TenantConfig } from "../tenancy/config.ts";
import type { WriteLog } from "../requests/record.ts";
import { unavailable, unwrap, type WriteResult } from "./result.ts";
import type { TenantWriter } from "./tenant-writer.ts";

type WriterMethods = Pick<TenantWriter, "create" | "replace" | "patch" | "remove" | "waitForCommit" | "deliverWebhooks">;

/**
 * The stub of the tenant's writer; one object per tenant, named by the tenant. DO_LOCATION_HINT
 * places it beside D1's primary, so the serial part of a write stays an in-region hop. Its results
 * are structured-clone data, which the stub's generic RPC typing can't see through.
 */
function writerFor(env: Env, tenantId: string): WriterMethods {
  const id = env.WRITER.idFromName(tenantId);
  const hint = env.DO_LOCATION_HINT as DurableObjectLocationHint | undefined;
  return env.WRITER.get(id, hint ? { locationHint: hint } : undefined) as unknown as WriterMethods;
}

/** Writes of one resource type, from raw request bodies: validated here, applied by the tenant's writer. */
export interface ResourceWrites {
  create(body: unknown): Promise<StoredResource>;
  replace(id: string, body: unknown, ifMatch?: string): Promise<StoredResource>;
  patch(id: string, body: unknown, ifMatch?: string): Promise<StoredResource>;
  remove(id: string, ifMatch?: string): Promise<void>;
}

/** The writes whose success the write's own statement can log (a user's: migrations/0015). */
export type LoggedOp = "create" | "replace" | "patch";

/**
 * `type` is the tenant's own resource type (its extensions included), from the request's config.
 * `log` gives the request's log row for an operation, taken when the call is made (its elapsed time).
 */
export function writesFor(
  type: ResourceTypeDef,
  env: Env,
  tenant: string,
  config: TenantConfig,
  log: (op: LoggedOp) => WriteLog | undefined = () => undefined,
): ResourceWrites {
  const writer = writerFor(env, tenant);
  const id = type.id as "User" | "Group";
  const policy: WritePolicy = {
    extensions: config.extensions,
    allowedDomains: config.settings.allowedDomains,
    deleteMode: config.settings.deleteMode,
    rate: tenantRule(config, env.TENANT_RATE_LIMIT),
    webhooks: config.webhooks,
  };
  // Passwords are hashed here, before the RPC: see domain/passwords.ts.
  const parse = (body: unknown) => hashDataPassword(parseResource(body, type));
  const patchOps = (body: unknown) => hashPatchPasswords(normalisePatchRequest(body), type);
  return {
    create: async (body) => {
      const { value, hashes } = await parse(body);
      return call(writer.create(tenant, id, policy, value, hashes, log("create")));
    },
    replace: async (rid, body, ifMatch) => {
      const { value, hashes } = await parse(body);
      return call(writer.replace(tenant, id, policy, rid, value, ifMatch, hashes, log("replace")));
    },
    patch: async (rid, body, ifMatch) => {
      const { value, hashes } = await patchOps(body);
      return call(writer.patch(tenant, id, policy, rid, value, ifMatch, hashes, log("patch")));
    },
    remove: (rid, ifMatch) => call(writer.remove(tenant, id, policy, rid, ifMatch)),
  };
}

/**
 * The RPC itself can fail (the object reset or moved mid-call): whether the write landed is then
 * unknown, and a retry is safe (a re-create answers 409, a re-delete 404), so the client gets a 503.
 * An error the object's own code threw outside `capture` arrives marked `remote` (Durable Objects'
 * error handling): that is a bug, not the platform, and goes on to answer 500.
 */
async function call<T>(pending: Promise<WriteResult<T>>): Promise<T> {
  let result: WriteResult<T>;
  try {
    result = await pending;
  } catch (error) {
    if ((error as { remote?: unknown }).remote === true && !isStorageFailure(error)) throw error;
    logStorageFailure("writer_unreachable", error);
    throw unavailable();
  }
  return unwrap(result);
}

/** Parks until the tenant's writer commits after `afterSeq` (the feed's `wait`), or `ms` pass. */
export const waitForCommit = (env: Env, tenant: string, afterSeq: number, ms: number) =>
  writerFor(env, tenant).waitForCommit(tenant, afterSeq, ms);

/** Asks the tenant's writer to run a webhook delivery pass now (an endpoint was added, enabled or rewound). */
export const deliverWebhooks = (env: Env, tenant: string) => writerFor(env, tenant).deliverWebhooks(tenant);
