import { type Database, runBatch, type Statement } from "../db/client.ts";
import {
  addMembersStatement,
  deleteGroupStatements,
  groupStorage,
  insertGroupStatement,
  isMemberGuardRefusal,
  loadForWrite,
  memberGuardStatement,
  membersIn,
  removeMembersWhere,
  toStored,
  touchGroupStatement,
  updateGroupStatement,
} from "../db/groups.ts";
import { uniqueValueStatements } from "../db/unique-values.ts";
import { previousValues } from "../events/previous.ts";
import { membersAddedEvents, membersRemovedEvents, recorded, resourceEvent } from "../events/record.ts";
import { badRequest, notFound } from "../scim/errors.ts";
import { keepImmutable } from "../scim/immutable.ts";
import { compileElementFilter } from "../scim/filter/compile.ts";
import { type SQL, sql } from "drizzle-orm";
import type { MemberRow } from "../scim/resource-json.ts";
import { applyPatch } from "../scim/patch/apply.ts";
import {
  checkMemberCount,
  type MemberIntent,
  type MemberRef,
  memberRefs,
  referencedMembers,
  splitMemberOperations,
} from "../scim/patch/members.ts";
import type { PatchOp } from "../scim/patch/normalise.ts";
import type { ResourceTypeDef } from "../scim/schema/resource-type.ts";
import type { StoredResource } from "../scim/serialize.ts";
import type { WriteContext } from "./context.ts";
import type { WriteOp } from "./resources.ts";
import { checkIfMatch } from "./precondition.ts";
import { parseResource, type ScimData } from "../scim/validate.ts";

// Group writes, run inside the tenant's writer. The group row holds the attributes; members are
// rows, so a member change touches those rows and the group's version, whatever the group's size.

/** Splits validated group data into the stored attributes and the member references. */
function withoutMembers(data: ScimData): { data: ScimData; members: MemberRef[] } {
  const { members, ...rest } = data;
  const refs = members ? memberRefs(members, "members") : [];
  checkMemberCount(refs.length);
  return { data: rest, members: refs };
}

/**
 * Reads the group (unless it is being created) and resolves member references to rows. Every id
 * must be a User or Group of this tenant; otherwise the request fails naming them, before anything
 * is written.
 */
async function load(db: Database, tenantId: string, groupId: string, ids: string[], ifMatch?: string, creating = false) {
  const { group, found } = await loadForWrite(db, tenantId, groupId, ids);
  if (!group && !creating) throw notFound(`Group ${groupId}`);
  if (group) checkIfMatch(group, ifMatch);
  const unknown = ids.filter((id) => !found.has(id));
  if (unknown.length > 0) {
    const shown = unknown.slice(0, 10).join(", ") + (unknown.length > 10 ? ` and ${unknown.length - 10} more` : "");
    throw badRequest("invalidValue", `members not found in this tenant: ${shown}`);
  }
  if (found.has(groupId)) throw badRequest("invalidValue", "a group cannot be a member of itself");
  return { current: group as StoredResource, rows: found };
}

/** The members `refs` names, once each, in id order (the order a group's members are read in). */
const idsOf = (refs: MemberRef[]) => [...new Set(refs.map((r) => r.value))].sort();

const rowsFor = (refs: MemberRef[], rows: Map<string, MemberRow>) => idsOf(refs).map((id) => rows.get(id) as MemberRow);

/**
 * Whether a group write reaches D1 first with its batch (domain/resources.ts readsNothingFirst): not a
 * create with members, a PUT, a PATCH with attribute operations, nor anything with If-Match; Entra's
 * member PATCH does (patchMembers). Operations that do not parse are left to the write, which
 * refuses them alone.
 */
export function groupWriteReadsNothing(_ctx: WriteContext, op: WriteOp): boolean {
  switch (op.kind) {
    case "create":
      return op.data.members === undefined || (Array.isArray(op.data.members) && op.data.members.length === 0);
    case "replace":
      return false;
    case "remove":
      return op.ifMatch === undefined;
    case "patch":
      try {
        return op.ifMatch === undefined && splitMemberOperations(op.ops).attributeOps.length === 0;
      } catch {
        return false;
      }
  }
}

/** Without members, a create is its insert (and its unique values) alone: there is nothing to check before it. */
export async function createGroup({ db, tenant: tenantId, type }: WriteContext, input: ScimData): Promise<StoredResource> {
  const { data, members } = withoutMembers(input);
  const now = new Date().toISOString();
  const group: StoredResource = { id: crypto.randomUUID(), data, created: now, lastModified: now, version: 1 };
  const created = [
    insertGroupStatement(db, tenantId, group),
    ...uniqueValueStatements(db, tenantId, type, group.id, group.version),
    resourceEvent(db, tenantId, type, group.id, { type: "group.created", version: group.version }),
  ];
  if (members.length === 0) {
    await runBatch(db, recorded(db, tenantId, created));
    return { ...group, members: [] };
  }
  const { rows } = await load(db, tenantId, group.id, referencedMembers([{ kind: "add", members }]), undefined, true);
  await runBatch(db, recorded(db, tenantId, [...created, ...adding(db, tenantId, group.id, idsOf(members))]));
  return { ...group, members: rowsFor(members, rows) };
}

const next = (current: StoredResource, data: ScimData): StoredResource => ({
  ...current,
  data,
  lastModified: new Date().toISOString(),
  version: current.version + 1,
});

// Member statements with their events, each event statement before the statement it records, as it
// reads which rows the change will add or remove.

function adding(db: Database, tenantId: string, groupId: string, ids: string[]): Statement[] {
  if (ids.length === 0) return [];
  return [membersAddedEvents(db, tenantId, groupId, ids), addMembersStatement(db, tenantId, groupId, ids)];
}

function removing(db: Database, tenantId: string, groupId: string, where: SQL | undefined): Statement[] {
  return [membersRemovedEvents(db, tenantId, groupId, where), removeMembersWhere(db, tenantId, groupId, where)];
}

/** The members become `ids`: only those leaving are removed and only those joining added, so only they have events. */
function replacing(db: Database, tenantId: string, groupId: string, ids: string[]): Statement[] {
  const leaving = ids.length > 0 ? sql`NOT (${membersIn(ids)})` : undefined;
  return [...removing(db, tenantId, groupId, leaving), ...adding(db, tenantId, groupId, ids)];
}

/** The group's row written at its next version, with its group.updated event. */
function updating(db: Database, tenantId: string, type: ResourceTypeDef, current: StoredResource, group: StoredResource): Statement[] {
  return [
    updateGroupStatement(db, tenantId, group),
    resourceEvent(db, tenantId, type, group.id, {
      type: "group.updated",
      version: group.version,
      previous: previousValues(type, current.data, group.data),
    }),
  ];
}

/** PUT replaces the whole group, members included (RFC 7644 §3.5.1). */
export async function replaceGroup(
  { db, tenant: tenantId, type }: WriteContext,
  id: string,
  input: ScimData,
  ifMatch?: string,
): Promise<StoredResource> {
  const { data, members } = withoutMembers(input);
  const { current, rows } = await load(db, tenantId, id, referencedMembers([{ kind: "add", members }]), ifMatch);
  const group = next(current, keepImmutable(type, current.data, data));
  await runBatch(
    db,
    recorded(db, tenantId, [
      ...updating(db, tenantId, type, current, group),
      ...replacing(db, tenantId, id, idsOf(members)),
      ...uniqueValueStatements(db, tenantId, type, id, group.version),
    ]),
  );
  return { ...group, members: rowsFor(members, rows) };
}

function intentStatements(db: Database, tenantId: string, groupId: string, intent: MemberIntent): Statement[] {
  switch (intent.kind) {
    case "add":
      return adding(db, tenantId, groupId, idsOf(intent.members));
    case "remove":
      return removing(db, tenantId, groupId, membersIn(intent.ids));
    case "removeWhere":
      return removing(db, tenantId, groupId, compileElementFilter(groupStorage(tenantId), "members", intent.filter));
    case "removeAll":
      return removing(db, tenantId, groupId, undefined);
    case "replace":
      return replacing(db, tenantId, groupId, idsOf(intent.members));
  }
}

/**
 * Entra's PATCH: members alone, without If-Match, in one batch with nothing read first. Its first
 * statement refuses the batch (D1 then rolls it back) unless the group exists and every member to add
 * is a live User or Group of the tenant other than the group; refused, it answers undefined and the
 * request takes the read path, which names what is wrong. The inserts read the members' types from
 * their rows, so the batch needs nothing a read would give.
 */
async function patchMembers({ db, tenant: tenantId, type }: WriteContext, id: string, intents: MemberIntent[]) {
  const statements = [
    memberGuardStatement(db, tenantId, id, referencedMembers(intents)),
    touchGroupStatement(db, tenantId, id, new Date().toISOString()),
    // Members are rows, not attributes of the group's: no attribute changed.
    resourceEvent(db, tenantId, type, id, { type: "group.updated", previous: {} }),
    ...intents.flatMap((intent) => intentStatements(db, tenantId, id, intent)),
  ];
  try {
    const [, touched] = await runBatch(db, recorded(db, tenantId, statements));
    return toStored((touched as Parameters<typeof toStored>[0][])[0]);
  } catch (error) {
    if (isMemberGuardRefusal(error)) return undefined;
    throw error;
  }
}

export async function patchGroup(ctx: WriteContext, id: string, ops: PatchOp[], ifMatch?: string): Promise<StoredResource> {
  const { db, tenant: tenantId, type } = ctx;
  const { attributeOps, memberIntents } = splitMemberOperations(ops);
  if (attributeOps.length === 0 && ifMatch === undefined) {
    const patched = await patchMembers(ctx, id, memberIntents);
    if (patched) return patched;
  }
  const { current } = await load(db, tenantId, id, referencedMembers(memberIntents), ifMatch);
  const data = attributeOps.length ? parseResource(applyPatch(current.data, attributeOps, type), type) : current.data;
  const group = next(current, data);
  // Statements run in order inside one atomic batch, so "replace then add" lands as written.
  await runBatch(
    db,
    recorded(db, tenantId, [
      ...updating(db, tenantId, type, current, group),
      ...memberIntents.flatMap((intent) => intentStatements(db, tenantId, id, intent)),
      ...(attributeOps.length ? uniqueValueStatements(db, tenantId, type, id, group.version) : []),
    ]),
  );
  return group;
}

export async function deleteGroup({ db, tenant: tenantId, type }: WriteContext, id: string, ifMatch?: string): Promise<void> {
  if (ifMatch !== undefined) await load(db, tenantId, id, [], ifMatch);
  // Recorded from the row before it goes, so the event carries the last state. Its memberships go
  // with it, without member events (README: Change feed).
  const event = resourceEvent(db, tenantId, type, id, { type: "group.deleted" });
  const [, deleted] = await runBatch(db, recorded(db, tenantId, [event, ...deleteGroupStatements(db, tenantId, id)]));
  if ((deleted as unknown[]).length === 0) throw notFound(`Group ${id}`);
}
