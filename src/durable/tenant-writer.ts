import { DurableObject } from "cloudflare:workers";
import { database, type Database } from "../db/client.ts";
import type { WriteContext, WritePolicy } from "../domain/context.ts";
import { recentWrites } from "../domain/recent.ts";
import { domains, perform, type WriteOp } from "../domain/resources.ts";
import { keepingValuesUnique } from "../domain/unique.ts";
import type { Env } from "../env.ts";
import type { PatchOp } from "../scim/patch/normalise.ts";
import type { ScimData } from "../scim/validate.ts";
import type { StoredResource } from "../scim/serialize.ts";
import { tenantResourceTypes } from "../tenancy/resource-types.ts";
import { type Bucket, take } from "../ratelimit/bucket.ts";
import { tooManyRequests } from "../ratelimit/tenant.ts";
import { lastSeq } from "../events/read.ts";
import { commitWaiters } from "./commit-waiters.ts";
import { webhookAlarm } from "./webhook-alarm.ts";
import type { WriteLog } from "../requests/record.ts";
import { logStorageFailure } from "../lib/error-report.ts";
import type { WriteResult } from "./result.ts";
import { groupCommit, type QueuedWrite } from "./group-commit.ts";

type TypeId = keyof typeof domains;

/**
 * The single writer of one tenant. The input gate only holds while a Durable Object awaits its own
 * storage; an await on D1 lets the next call in. So every write waits in a queue and runs its whole
 * read-decide-batch with nobody in between, or, when it reads nothing first, together with the
 * writes queued beside it in one D1 batch (durable/group-commit.ts). Besides the rate bucket, it
 * keeps only copies of what it last wrote (domain/recent.ts), each checked against D1's version
 * when written over.
 */
export class TenantWriter extends DurableObject<Env> {
  private readonly group: ReturnType<typeof groupCommit>;
  // Writes' D1 (its batches may be committed together); the alarm and the feed's wait use D1 directly.
  private readonly db: Database;
  private readonly direct: Database;
  // The tenant's write rate, exact across isolates; in memory, as an evicted object's bucket would have refilled.
  private bucket: Bucket | undefined;
  private readonly recentUsers = recentWrites();
  private readonly commits = commitWaiters();
  private readonly webhooks: ReturnType<typeof webhookAlarm>;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.group = groupCommit(env.DB);
    this.db = database(this.group.binding);
    this.direct = database(env.DB);
    this.webhooks = webhookAlarm(ctx.storage, this.direct, env.WEBHOOK_ALLOW_LOCAL_HTTP === "true");
  }

  private serial<T>(
    tenant: string,
    type: TypeId,
    policy: WritePolicy,
    op: WriteOp,
    hashedPasswords: readonly string[] = [],
    log?: WriteLog,
  ) {
    const received = Date.now();
    const domain = domains[type];
    if (!domain) throw new Error(`unknown resource type ${type}`);
    const { decision, bucket } = take(this.bucket, policy.rate, Date.now());
    this.bucket = bucket;
    if (!decision.allowed) {
      return Promise.resolve<WriteResult<T>>({ ok: false, error: tooManyRequests(decision.retryAfterSeconds).toData() });
    }
    const ctx: WriteContext = {
      db: this.db,
      tenant,
      type: tenantResourceTypes(policy.extensions)[type],
      policy,
      recentUsers: this.recentUsers,
      hashedPasswords,
      log: log && { entry: log, received },
    };
    const ahead = domain.readAhead;
    const run = new Promise<WriteResult<T>>((settle) =>
      this.group.enqueue({
        work: () => keepingValuesUnique(ctx.type, () => perform(domain, ctx, op)),
        settle: settle as QueuedWrite["settle"],
        resource: op.kind === "create" ? undefined : `${type}:${op.id}`,
        readsNothing: () => domain.readsNothingFirst(ctx, op),
        ahead: ahead && { id: () => ahead.which(ctx, op), read: (ids) => ahead.read(ctx, ids) },
      }),
    );
    run.then(
      (result) => {
        if (!result.ok) return;
        this.commits.notify();
        // Delivery runs in the alarm, never in the write: arming it touches only the object's storage.
        // Not armed (storage failed): the next write or the cron arms it.
        if (this.webhooks.wanted(policy.webhooks))
          this.webhooks.arm(tenant).catch((error) => logStorageFailure("webhook_alarm_unarmed", error));
      },
      () => undefined,
    );
    return run;
  }

  // `hashes`: the password hashes the Worker put in the data or operations (domain/passwords.ts).
  // `log`: the request's provisioning-log row, recorded by the write's own statement (a user's create, replace or patch).
  create(tenant: string, type: TypeId, policy: WritePolicy, data: ScimData, hashes?: string[], log?: WriteLog) {
    return this.serial<StoredResource>(tenant, type, policy, { kind: "create", data }, hashes, log);
  }

  replace(
    tenant: string,
    type: TypeId,
    policy: WritePolicy,
    id: string,
    data: ScimData,
    ifMatch?: string,
    hashes?: string[],
    log?: WriteLog,
  ) {
    return this.serial<StoredResource>(tenant, type, policy, { kind: "replace", id, data, ifMatch }, hashes, log);
  }

  patch(
    tenant: string,
    type: TypeId,
    policy: WritePolicy,
    id: string,
    ops: PatchOp[],
    ifMatch?: string,
    hashes?: string[],
    log?: WriteLog,
  ) {
    return this.serial<StoredResource>(tenant, type, policy, { kind: "patch", id, ops, ifMatch }, hashes, log);
  }

  remove(tenant: string, type: TypeId, policy: WritePolicy, id: string, ifMatch?: string) {
    return this.serial<void>(tenant, type, policy, { kind: "remove", id, ifMatch });
  }

  /** The feed's long poll: resolves once a write commits after `afterSeq`, or after `ms`. Reads only the counter. */
  waitForCommit(tenant: string, afterSeq: number, ms: number) {
    return this.commits.wait(ms, async () => (await lastSeq(this.direct, tenant)) > afterSeq);
  }

  /** A delivery pass now: an endpoint was added, enabled or rewound, or the cron found one behind. */
  deliverWebhooks(tenant: string) {
    return this.webhooks.kick(tenant);
  }

  override alarm() {
    return this.webhooks.run();
  }
}
