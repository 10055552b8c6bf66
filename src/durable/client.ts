import type { Env } from "../env.ts";
import type { TenantWriter } from "./tenant-writer.ts";

type WriterMethods = Pick<TenantWriter, "createUser" | "replaceUser" | "patchUser" | "deleteUser">;

/**
 * The stub of the tenant's writer; one object per tenant, named by the tenant. Its results are
 * structured-clone data (JSON-shaped), which the stub's generic RPC typing can't see through.
 */
export function writerFor(env: Env, tenantId: string): WriterMethods {
  return env.WRITER.get(env.WRITER.idFromName(tenantId)) as unknown as WriterMethods;
}
