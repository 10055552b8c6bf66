import { DurableObject } from "cloudflare:workers";
import { database, type Database } from "../db/client.ts";
import { createGroup, deleteGroup, patchGroup, replaceGroup } from "../domain/groups.ts";
import { createUser, deleteUser, patchUser, replaceUser } from "../domain/users.ts";
import type { Env } from "../env.ts";
import type { PatchOp } from "../scim/patch/normalise.ts";
import type { ScimData } from "../scim/validate.ts";
import { capture } from "./result.ts";

/**
 * The single writer of one tenant. The input gate only holds while a Durable Object awaits its own
 * storage; an await on D1 lets the next call in. So every write is chained on `tail` and runs its
 * whole read-decide-batch with nobody in between.
 */
export class TenantWriter extends DurableObject<Env> {
  private tail: Promise<unknown> = Promise.resolve();
  private readonly db: Database;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.db = database(env.DB);
  }

  private serial<T>(work: () => Promise<T>) {
    const run = this.tail.then(() => capture(work));
    this.tail = run.catch(() => undefined);
    return run;
  }

  createUser(tenantId: string, data: ScimData) {
    return this.serial(() => createUser(this.db, tenantId, data));
  }

  replaceUser(tenantId: string, id: string, data: ScimData) {
    return this.serial(() => replaceUser(this.db, tenantId, id, data));
  }

  patchUser(tenantId: string, id: string, ops: PatchOp[]) {
    return this.serial(() => patchUser(this.db, tenantId, id, ops));
  }

  deleteUser(tenantId: string, id: string) {
    return this.serial(() => deleteUser(this.db, tenantId, id));
  }

  createGroup(tenantId: string, data: ScimData) {
    return this.serial(() => createGroup(this.db, tenantId, data));
  }

  replaceGroup(tenantId: string, id: string, data: ScimData) {
    return this.serial(() => replaceGroup(this.db, tenantId, id, data));
  }

  patchGroup(tenantId: string, id: string, ops: PatchOp[]) {
    return this.serial(() => patchGroup(this.db, tenantId, id, ops));
  }

  deleteGroup(tenantId: string, id: string) {
    return this.serial(() => deleteGroup(this.db, tenantId, id));
  }
}
