import { runBatch } from "../db/client.ts";
import { isUniqueValueViolation, uniqueValueStatements } from "../db/unique-values.ts";
import {
  deleteUserStatements,
  findDeletedByUserName,
  findUser,
  findUsersById,
  insertUser,
  softDeleteUserStatements,
  type UserEvent,
  updateUser,
} from "../db/users.ts";
import { previousValues } from "../events/previous.ts";
import { recorded, resourceEvent } from "../events/record.ts";
import { pendingLog } from "../requests/record.ts";
import { hashPassword } from "../lib/crypto.ts";
import { notFound, ScimError } from "../scim/errors.ts";
import { keepImmutable } from "../scim/immutable.ts";
import { applyPatch } from "../scim/patch/apply.ts";
import type { PatchOp } from "../scim/patch/normalise.ts";
import type { StoredResource } from "../scim/serialize.ts";
import { parseResource, type ScimData } from "../scim/validate.ts";
import type { WriteContext } from "./context.ts";
import type { WriteOp } from "./resources.ts";
import { checkAllowedDomains } from "./policy.ts";
import { checkIfMatch, etagMatches } from "./precondition.ts";

// User writes. They run inside the tenant's writer, one at a time: each reads at most once and
// lands as one atomic D1 batch with its events (the email index follows by trigger), so a failure
// leaves nothing half-written and nothing recorded.

/**
 * password is writeOnly and returned never (RFC 7643 §4.1.1): it leaves the data before storage.
 * The Worker has hashed it already (domain/passwords.ts); a value it did not hash is hashed here,
 * so nothing reaches storage as sent.
 */
async function separatePassword(ctx: WriteContext, data: ScimData): Promise<{ data: ScimData; passwordHash: string | undefined }> {
  const { password, ...rest } = data;
  if (typeof password !== "string") return { data: rest, passwordHash: undefined };
  return { data: rest, passwordHash: ctx.hashedPasswords.includes(password) ? password : await hashPassword(password) };
}

// The userName index objecting. unique_values objecting (extension attributes) is left for the
// writer to report (domain/unique.ts); the events key objecting is a second writer, not a 409.
function isUniqueViolation(error: unknown): boolean {
  const text = error instanceof Error ? `${error.message} ${String(error.cause ?? "")}` : "";
  return /UNIQUE constraint failed/i.test(text) && !/UNIQUE constraint failed: events\./i.test(text) && !isUniqueValueViolation(error);
}

const taken = (userName: unknown) => new ScimError(409, `userName '${String(userName)}' is already taken`, "uniqueness");

// The row moved on between this writer's read and its write: only a write from outside the writer
// (an operator's SQL) can do that. Nothing was written; a retry reads the row afresh.
const changedMeanwhile = (id: string): never => {
  throw ScimError.retryLater(503, `User ${id} changed while this write ran; nothing was changed, retry the request`, 1);
};

/**
 * Whether a user write reaches D1 first with its batch (domain/resources.ts readsNothingFirst): a
 * create reads only when its insert objects; a PATCH or PUT reads unless the writer remembers the
 * user and no If-Match is sent; a DELETE reads only to check If-Match.
 */
export function userWriteReadsNothing(ctx: WriteContext, op: WriteOp): boolean {
  if (op.kind === "create") return true;
  return op.ifMatch === undefined && (op.kind === "remove" || ctx.recentUsers.has(op.id));
}

/**
 * Reading ahead (durable/group-commit.ts): the user a write would read first, when having it in the
 * writer's memory spares that read (a PATCH or PUT without If-Match of a user not remembered).
 */
export function userToReadAhead(ctx: WriteContext, op: WriteOp): string | undefined {
  return (op.kind === "patch" || op.kind === "replace") && op.ifMatch === undefined && !ctx.recentUsers.has(op.id) ? op.id : undefined;
}

/**
 * Puts the live users among `ids` in the writer's memory, read in one statement, as if it had just
 * written them: each write over them is still guarded by the version read. An id not found stays
 * unremembered, and its write reads it and answers 404 as before.
 */
export async function readUsersAhead(ctx: WriteContext, ids: string[]): Promise<void> {
  for (const { user, json } of await findUsersById(ctx.db, ctx.tenant, ids)) ctx.recentUsers.remember(user, json);
}

export async function createUser(ctx: WriteContext, input: ScimData): Promise<StoredResource> {
  checkAllowedDomains(input, ctx.policy.allowedDomains);
  const { data, passwordHash } = await separatePassword(ctx, input);
  const now = new Date().toISOString();
  const user: StoredResource = { id: crypto.randomUUID(), data, created: now, lastModified: now, version: 1 };
  const json = JSON.stringify(data);
  // The unique index on (tenant, lower(userName)), and unique_values for unique extension
  // attributes, decide uniqueness: no read unless they object.
  try {
    await insertUser(
      ctx.db,
      ctx.tenant,
      ctx.type,
      user,
      passwordHash ?? null,
      json,
      { type: "user.created", log: pendingLog(ctx.log) },
      uniqueValueStatements(ctx.db, ctx.tenant, ctx.type, user.id, user.version),
    );
    ctx.recentUsers.remember(user, json);
    return user;
  } catch (error) {
    if (!isUniqueViolation(error)) throw error;
  }
  // Under soft delete, the holder may be a deprovisioned user: Entra re-creating it restores it.
  const deleted = await findDeletedByUserName(ctx.db, ctx.tenant, String(data.userName));
  if (!deleted) throw taken(data.userName);
  return (await store(ctx, deleted, input, true)) ?? changedMeanwhile(deleted.id);
}

async function existing(ctx: WriteContext, id: string, ifMatch?: string): Promise<StoredResource> {
  const user = await findUser(ctx.db, ctx.tenant, id);
  if (!user) throw notFound(`User ${id}`);
  checkIfMatch(user, ifMatch);
  return user;
}

/**
 * Writes `input` over `current` (restoring it, if it was soft-deleted: `restoring`), unless the row is
 * no longer at `current.version`: then nothing is written and the result is undefined.
 */
async function store(ctx: WriteContext, current: StoredResource, input: ScimData, restoring = false): Promise<StoredResource | undefined> {
  checkAllowedDomains(input, ctx.policy.allowedDomains);
  const { data, passwordHash } = await separatePassword(ctx, input);
  const user: StoredResource = { ...current, data, lastModified: new Date().toISOString(), version: current.version + 1 };
  const json = JSON.stringify(data);
  let memberships;
  try {
    // A restored user is new again to the feed's consumers, who saw it deleted.
    const event: UserEvent = restoring
      ? { type: "user.created", extra: { restored: true }, log: pendingLog(ctx.log) }
      : { type: "user.updated", previous: previousValues(ctx.type, current.data, data), log: pendingLog(ctx.log) };
    const unique = uniqueValueStatements(ctx.db, ctx.tenant, ctx.type, user.id, user.version);
    memberships = await updateUser(ctx.db, ctx.tenant, ctx.type, user, passwordHash, json, current.version, event, unique);
  } catch (error) {
    if (isUniqueViolation(error)) throw taken(data.userName);
    throw error;
  }
  if (!memberships) {
    ctx.recentUsers.forget(user.id);
    return undefined;
  }
  ctx.recentUsers.remember(user, json);
  return { ...user, memberships };
}

/**
 * A live user's read-modify-write: `change` gives the new data from the current user. The current
 * user is the writer's memory of it when it has one (no read); if the row has moved on since, or
 * If-Match names another version, it is read from D1.
 */
async function rewrite(ctx: WriteContext, id: string, ifMatch: string | undefined, change: (current: StoredResource) => ScimData) {
  const remembered = ctx.recentUsers.get(id);
  if (remembered && (ifMatch === undefined || etagMatches(ifMatch, remembered.version))) {
    const written = await store(ctx, remembered, change(remembered));
    if (written) return written;
  }
  const current = await existing(ctx, id, ifMatch);
  return (await store(ctx, current, change(current))) ?? changedMeanwhile(id);
}

export function replaceUser(ctx: WriteContext, id: string, input: ScimData, ifMatch?: string) {
  return rewrite(ctx, id, ifMatch, (current) => keepImmutable(ctx.type, current.data, input));
}

export function patchUser(ctx: WriteContext, id: string, ops: PatchOp[], ifMatch?: string) {
  return rewrite(ctx, id, ifMatch, (current) => parseResource(applyPatch(current.data, ops, ctx.type), ctx.type));
}

export async function deleteUser(ctx: WriteContext, id: string, ifMatch?: string): Promise<void> {
  ctx.recentUsers.forget(id);
  const soft = ctx.policy.deleteMode === "soft";
  // Without If-Match a delete needs no read: the batch reports whether a row went (or was marked).
  const version = ifMatch === undefined ? undefined : (await existing(ctx, id, ifMatch)).version;
  // Recorded from the live row before it goes, so the event carries the last state.
  const event = resourceEvent(ctx.db, ctx.tenant, ctx.type, id, { type: "user.deleted", version, extra: { soft } });
  const statements = soft ? softDeleteUserStatements(ctx.db, ctx.tenant, id, version) : deleteUserStatements(ctx.db, ctx.tenant, id);
  const [, gone] = await runBatch(ctx.db, recorded(ctx.db, ctx.tenant, [event, ...statements]));
  if ((gone as unknown[]).length === 0) throw notFound(`User ${id}`);
}
