import type { Database } from "../db/client.ts";
import type { PatchOp } from "../scim/patch/normalise.ts";
import type { StoredResource } from "../scim/serialize.ts";
import type { ScimData } from "../scim/validate.ts";
import { createGroup, deleteGroup, patchGroup, replaceGroup } from "./groups.ts";
import { createUser, deleteUser, patchUser, replaceUser } from "./users.ts";

/** The writes of one resource type, as the tenant's writer runs them. */
export interface ResourceDomain {
  create(db: Database, tenant: string, data: ScimData): Promise<StoredResource>;
  replace(db: Database, tenant: string, id: string, data: ScimData, ifMatch?: string): Promise<StoredResource>;
  patch(db: Database, tenant: string, id: string, ops: PatchOp[], ifMatch?: string): Promise<StoredResource>;
  remove(db: Database, tenant: string, id: string, ifMatch?: string): Promise<void>;
}

/** Keyed by resource type id, the name that crosses the RPC boundary. */
export const domains: Record<string, ResourceDomain> = {
  User: { create: createUser, replace: replaceUser, patch: patchUser, remove: deleteUser },
  Group: { create: createGroup, replace: replaceGroup, patch: patchGroup, remove: deleteGroup },
};
