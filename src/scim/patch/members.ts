import { badRequest } from "../errors.ts";
import type { Filter } from "../filter/ast.ts";
import { isObject } from "../json.ts";
import { MAX_MEMBERS_PER_REQUEST } from "../limits.ts";
import type { PatchOp } from "./normalise.ts";
import { getKey } from "./values.ts";

// Group members are rows, not part of the stored JSON (a 100,000-member group must cost what a
// 10-member one does), so member operations become row intents instead of going through applyPatch.

export interface MemberRef {
  value: string;
  type?: "User" | "Group";
}

export type MemberIntent =
  | { kind: "add"; members: MemberRef[] }
  | { kind: "remove"; ids: string[] }
  | { kind: "removeWhere"; filter: Filter }
  | { kind: "removeAll" }
  | { kind: "replace"; members: MemberRef[] };

export function memberRefs(value: unknown, where: string): MemberRef[] {
  const items = Array.isArray(value) ? value : [value];
  return items.map((item) => {
    const raw = isObject(item) ? getKey(item, "value") : item;
    if (typeof raw !== "string" || raw === "") throw badRequest("invalidValue", `${where}: each member needs a string value`);
    const type = isObject(item) ? getKey(item, "type") : undefined;
    const lower = typeof type === "string" ? type.toLowerCase() : undefined;
    return { value: raw, ...(lower === "user" ? { type: "User" } : lower === "group" ? { type: "Group" } : {}) } as MemberRef;
  });
}

const isMembers = (name: string) => name.toLowerCase() === "members";

function memberIntent(op: PatchOp, index: number): MemberIntent {
  const where = `Operations[${index}]`;
  const path = op.path;
  if (path?.sub || path?.path.sub) throw badRequest("invalidPath", `${where}: members sub-attributes cannot be patched`);
  if (path?.filter) {
    // Entra's flag dialect: remove members[value eq "id"].
    if (op.op !== "remove") throw badRequest("invalidPath", `${where}: a members filter can only be removed`);
    return { kind: "removeWhere", filter: path.filter };
  }
  const empty = op.value === undefined || op.value === null || (Array.isArray(op.value) && op.value.length === 0);
  switch (op.op) {
    case "add":
      return { kind: "add", members: empty ? [] : memberRefs(op.value, where) };
    case "replace":
      return { kind: "replace", members: empty ? [] : memberRefs(op.value, where) };
    case "remove":
      // Entra's default dialect lists the members to remove: remove only those, never the rest.
      return empty ? { kind: "removeAll" } : { kind: "remove", ids: memberRefs(op.value, where).map((m) => m.value) };
  }
}

/** Splits a Group PATCH into operations on the stored attributes and intents on member rows. */
export function splitMemberOperations(ops: PatchOp[]): { attributeOps: PatchOp[]; memberIntents: MemberIntent[] } {
  const attributeOps: PatchOp[] = [];
  const memberIntents: MemberIntent[] = [];
  ops.forEach((op, index) => {
    const attr = op.path?.path.attr;
    if (attr !== undefined && isMembers(attr) && !op.path?.path.uri) {
      memberIntents.push(memberIntent(op, index));
      return;
    }
    if (!op.path && isObject(op.value)) {
      // A path-less value may carry members beside other attributes.
      const rest: Record<string, unknown> = {};
      for (const [key, value] of Object.entries(op.value)) {
        if (isMembers(key)) memberIntents.push(memberIntent({ op: op.op, path: { path: { attr: "members" } }, value }, index));
        else rest[key] = value;
      }
      if (Object.keys(rest).length > 0) attributeOps.push({ ...op, value: rest });
      return;
    }
    attributeOps.push(op);
  });
  let named = 0;
  for (const intent of memberIntents) {
    if (intent.kind === "add" || intent.kind === "replace") named += intent.members.length;
    if (intent.kind === "remove") named += intent.ids.length;
  }
  checkMemberCount(named);
  return { attributeOps, memberIntents };
}

/** A request may name at most MAX_MEMBERS_PER_REQUEST members (to add, remove or set). */
export function checkMemberCount(count: number): void {
  if (count > MAX_MEMBERS_PER_REQUEST) {
    throw badRequest(
      "invalidValue",
      `at most ${MAX_MEMBERS_PER_REQUEST} members per request, got ${count}: send the rest in further PATCH requests`,
    );
  }
}

/** The ids a request names as members to add, which must exist in the tenant. */
export function referencedMembers(intents: MemberIntent[]): string[] {
  const ids = new Set<string>();
  for (const intent of intents) {
    if (intent.kind === "add" || intent.kind === "replace") for (const m of intent.members) ids.add(m.value);
  }
  return [...ids];
}
