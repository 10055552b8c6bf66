import type { Env } from "../env.ts";
import { normalisePatchRequest } from "../scim/patch/normalise.ts";
import type { ResourceTypeDef } from "../scim/schema/resource-type.ts";
import type { StoredResource } from "../scim/serialize.ts";
import { parseResource } from "../scim/validate.ts";
import { unwrap } from "./result.ts";
import type { TenantWriter } from "./tenant-writer.ts";

type WriterMethods = Pick<TenantWriter, "create" | "replace" | "patch" | "remove">;

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

export function writesFor(type: ResourceTypeDef, env: Env, tenant: string): ResourceWrites {
  const writer = writerFor(env, tenant);
  const parse = (body: unknown) => parseResource(body, type);
  return {
    create: async (body) => unwrap(await writer.create(tenant, type.id, parse(body))),
    replace: async (id, body, ifMatch) => unwrap(await writer.replace(tenant, type.id, id, parse(body), ifMatch)),
    patch: async (id, body, ifMatch) => unwrap(await writer.patch(tenant, type.id, id, normalisePatchRequest(body), ifMatch)),
    remove: async (id, ifMatch) => unwrap(await writer.remove(tenant, type.id, id, ifMatch)),
  };
}
