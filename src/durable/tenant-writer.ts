import { DurableObject } from "cloudflare:workers";
import { database, type Database } from "../db/client.ts";
import { domains, type ResourceDomain } from "../domain/resources.ts";
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

  private serial<T>(type: string, work: (domain: ResourceDomain) => Promise<T>) {
    const domain = domains[type];
    if (!domain) throw new Error(`unknown resource type ${type}`);
    const run = this.tail.then(() => capture(() => work(domain)));
    this.tail = run.catch(() => undefined);
    return run;
  }

  create(tenant: string, type: string, data: ScimData) {
    return this.serial(type, (d) => d.create(this.db, tenant, data));
  }

  replace(tenant: string, type: string, id: string, data: ScimData, ifMatch?: string) {
    return this.serial(type, (d) => d.replace(this.db, tenant, id, data, ifMatch));
  }

  patch(tenant: string, type: string, id: string, ops: PatchOp[], ifMatch?: string) {
    return this.serial(type, (d) => d.patch(this.db, tenant, id, ops, ifMatch));
  }

  remove(tenant: string, type: string, id: string, ifMatch?: string) {
    return this.serial(type, (d) => d.remove(this.db, tenant, id, ifMatch));
  }
}
