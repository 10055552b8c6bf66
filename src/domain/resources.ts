import type { PatchOp } from "../scim/patch/normalise.ts";
import type { StoredResource } from "../scim/serialize.ts";
import type { ScimData } from "../scim/validate.ts";
import type { WriteContext } from "./context.ts";
import { createGroup, deleteGroup, patchGroup, replaceGroup } from "./groups.ts";
import { createUser, deleteUser, patchUser, replaceUser } from "./users.ts";

/** The writes of one resource type, as the tenant's writer runs them. */
export interface ResourceDomain {
  create(ctx: WriteContext, data: ScimData): Promise<StoredResource>;
  replace(ctx: WriteContext, id: string, data: ScimData, ifMatch?: string): Promise<StoredResource>;
  patch(ctx: WriteContext, id: string, ops: PatchOp[], ifMatch?: string): Promise<StoredResource>;
  remove(ctx: WriteContext, id: string, ifMatch?: string): Promise<void>;
}

/** Keyed by resource type id, the name that crosses the RPC boundary. */
export const domains: Record<"User" | "Group", ResourceDomain> = {
  User: { create: createUser, replace: replaceUser, patch: patchUser, remove: deleteUser },
  Group: { create: createGroup, replace: replaceGroup, patch: patchGroup, remove: deleteGroup },
};
