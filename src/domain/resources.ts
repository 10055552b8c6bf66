import type { PatchOp } from "../scim/patch/normalise.ts";
import type { StoredResource } from "../scim/serialize.ts";
import type { ScimData } from "../scim/validate.ts";
import type { WriteContext } from "./context.ts";
import { createGroup, deleteGroup, groupWriteReadsNothing, patchGroup, replaceGroup } from "./groups.ts";
import { createUser, deleteUser, patchUser, readUsersAhead, replaceUser, userToReadAhead, userWriteReadsNothing } from "./users.ts";

/** A write, as the tenant's writer is asked for it. */
export type WriteOp =
  | { kind: "create"; data: ScimData }
  | { kind: "replace"; id: string; data: ScimData; ifMatch?: string }
  | { kind: "patch"; id: string; ops: PatchOp[]; ifMatch?: string }
  | { kind: "remove"; id: string; ifMatch?: string };

/** The writes of one resource type, as the tenant's writer runs them. */
export interface ResourceDomain {
  /**
   * True when `op` would reach D1 first with its one write batch, reading nothing before it, as things
   * stand in the writer now: it may then be committed with the writes queued beside it (durable/group-commit.ts).
   */
  readsNothingFirst(ctx: WriteContext, op: WriteOp): boolean;
  /** What `op` would read first that `read`, given the ids of several writes, can read for them all at once. */
  readAhead?: { which(ctx: WriteContext, op: WriteOp): string | undefined; read(ctx: WriteContext, ids: string[]): Promise<void> };
  create(ctx: WriteContext, data: ScimData): Promise<StoredResource>;
  replace(ctx: WriteContext, id: string, data: ScimData, ifMatch?: string): Promise<StoredResource>;
  patch(ctx: WriteContext, id: string, ops: PatchOp[], ifMatch?: string): Promise<StoredResource>;
  remove(ctx: WriteContext, id: string, ifMatch?: string): Promise<void>;
}

/** Keyed by resource type id, the name that crosses the RPC boundary. */
export const domains: Record<"User" | "Group", ResourceDomain> = {
  User: {
    readsNothingFirst: userWriteReadsNothing,
    readAhead: { which: userToReadAhead, read: readUsersAhead },
    create: createUser,
    replace: replaceUser,
    patch: patchUser,
    remove: deleteUser,
  },
  Group: { readsNothingFirst: groupWriteReadsNothing, create: createGroup, replace: replaceGroup, patch: patchGroup, remove: deleteGroup },
};

/** Runs `op` with the domain of its resource type. */
export function perform(domain: ResourceDomain, ctx: WriteContext, op: WriteOp): Promise<unknown> {
  switch (op.kind) {
    case "create":
      return domain.create(ctx, op.data);
    case "replace":
      return domain.replace(ctx, op.id, op.data, op.ifMatch);
    case "patch":
      return domain.patch(ctx, op.id, op.ops, op.ifMatch);
    case "remove":
      return domain.remove(ctx, op.id, op.ifMatch);
  }
}
