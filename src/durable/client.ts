import type { Env } from "../env.ts";
import type { TenantWriter } from "./tenant-writer.ts";

type WriterMethods = Pick<
  TenantWriter,
  "createUser" | "replaceUser" | "patchUser" | "deleteUser" | "createGroup" | "replaceGroup" | "patchGroup" | "deleteGroup"
>;

/**
 * The stub of the tenant's writer; one object per tenant, named by the tenant. DO_LOCATION_HINT
 * places it beside D1's primary, so the serial part of a write stays an in-region hop. Its results
 * are structured-clone data, which the stub's generic RPC typing can't see through.
 */
export function writerFor(env: Env, tenantId: string): WriterMethods {
  const id = env.WRITER.idFromName(tenantId);
  const hint = env.DO_LOCATION_HINT as DurableObjectLocationHint | undefined;
  return env.WRITER.get(id, hint ? { locationHint: hint } : undefined) as unknown as WriterMethods;
}
