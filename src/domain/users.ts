import { hashPassword } from "../lib/crypto.ts";
import type { Database } from "../db/client.ts";
import { deleteUserStatements, findUser, insertUserStatements, updateUserStatements } from "../db/users.ts";
import { notFound, ScimError } from "../scim/errors.ts";
import { checkIfMatch } from "./precondition.ts";
import { applyPatch } from "../scim/patch/apply.ts";
import type { PatchOp } from "../scim/patch/normalise.ts";
import { userResourceType } from "../scim/schema/resource-type.ts";
import type { StoredResource } from "../scim/serialize.ts";
import { parseResource, type ScimData } from "../scim/validate.ts";

// User writes. They run inside the tenant's writer, one at a time: each reads at most once and
// lands as one atomic D1 batch, so a failure leaves nothing half-written.

/** password is writeOnly and returned never (RFC 7643 §4.1.1): it leaves the data before storage. */
async function separatePassword(data: ScimData): Promise<{ data: ScimData; passwordHash: string | null | undefined }> {
  const { password, ...rest } = data;
  if (typeof password !== "string") return { data: rest, passwordHash: undefined };
  return { data: rest, passwordHash: await hashPassword(password) };
}

function isUniqueViolation(error: unknown): boolean {
  return error instanceof Error && /UNIQUE constraint failed/i.test(`${error.message} ${String(error.cause ?? "")}`);
}

async function runBatch(db: Database, statements: Parameters<Database["batch"]>[0], userName: unknown) {
  try {
    await db.batch(statements);
  } catch (error) {
    if (isUniqueViolation(error)) throw new ScimError(409, `userName '${String(userName)}' is already taken`, "uniqueness");
    throw error;
  }
}

export async function createUser(db: Database, tenantId: string, input: ScimData): Promise<StoredResource> {
  const { data, passwordHash } = await separatePassword(input);
  const now = new Date().toISOString();
  const user: StoredResource = { id: crypto.randomUUID(), data, created: now, lastModified: now, version: 1 };
  // The unique index on (tenant, lower(userName)) decides uniqueness: no read needed.
  await runBatch(db, insertUserStatements(db, tenantId, user, passwordHash ?? null) as never, data.userName);
  return user;
}

async function existing(db: Database, tenantId: string, id: string, ifMatch?: string): Promise<StoredResource> {
  const user = await findUser(db, tenantId, id);
  if (!user) throw notFound(`User ${id}`);
  checkIfMatch(user, ifMatch);
  return user;
}

async function store(db: Database, tenantId: string, current: StoredResource, input: ScimData): Promise<StoredResource> {
  const { data, passwordHash } = await separatePassword(input);
  const user: StoredResource = {
    ...current,
    data,
    lastModified: new Date().toISOString(),
    version: current.version + 1,
  };
  await runBatch(db, updateUserStatements(db, tenantId, user, passwordHash) as never, data.userName);
  return user;
}

export async function replaceUser(db: Database, tenantId: string, id: string, input: ScimData, ifMatch?: string) {
  return store(db, tenantId, await existing(db, tenantId, id, ifMatch), input);
}

export async function patchUser(db: Database, tenantId: string, id: string, ops: PatchOp[], ifMatch?: string) {
  const current = await existing(db, tenantId, id, ifMatch);
  const patched = parseResource(applyPatch(current.data, ops, userResourceType), userResourceType);
  return store(db, tenantId, current, patched);
}

export async function deleteUser(db: Database, tenantId: string, id: string, ifMatch?: string): Promise<void> {
  // Without If-Match a delete needs no read: the batch reports whether a row went.
  if (ifMatch !== undefined) await existing(db, tenantId, id, ifMatch);
  const [deleted] = await db.batch(deleteUserStatements(db, tenantId, id));
  if (deleted.length === 0) throw notFound(`User ${id}`);
}
