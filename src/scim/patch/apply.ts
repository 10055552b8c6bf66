import { badRequest } from "../errors.ts";
import type { PatchPath } from "../filter/ast.ts";
import type { AttributeDef } from "../schema/attribute.ts";
import type { ResourceTypeDef } from "../schema/resource-type.ts";
import { addElements, removeListedElements, removeMatchingElements, replaceElements, setMatchingElements } from "./multi-valued.ts";
import type { PatchOp } from "./normalise.ts";
import { expandPathless } from "./pathless.ts";
import { resolveTarget, type Target } from "./target.ts";
import { canonicalise, deepEqual, deleteKey, getKey, isCleared, isObject, type JsonObject, mergeComplex, setKey } from "./values.ts";

type Op = PatchOp["op"];

/**
 * Applies PATCH operations in order (RFC 7644 §3.5.2) to a copy of a resource's stored data. Values are
 * placed under canonical names but not type-checked: the validator re-validates the whole result.
 * Any failing operation throws, so the request is atomic (the caller keeps the original).
 */
export function applyPatch(data: Record<string, unknown>, ops: PatchOp[], type: ResourceTypeDef): Record<string, unknown> {
  const result = structuredClone(data);
  for (const op of ops) {
    // RFC 7643 §3.3: attributes of a schema the resource doesn't declare are ignored. Entra sends
    // them when an admin maps an attribute to an extension this tenant hasn't defined.
    if (op.path && undeclaredUrn(op.path, type)) continue;
    const schemaId = op.path && schemaOfPath(op.path, type);
    if (!op.path) {
      for (const { target, value } of expandPathless(op.value, type)) applyToTarget(result, op.op, target, value);
    } else if (schemaId) {
      applyToSchema(result, op, type, schemaId);
    } else {
      applyToTarget(result, op.op, resolveTarget(type, op.path), op.value);
    }
  }
  return result;
}

function undeclaredUrn(path: PatchPath, type: ResourceTypeDef): boolean {
  const uri = path.path.uri?.toLowerCase();
  if (!uri) return false;
  const known = [type.schema, ...type.extensions.map((e) => e.schema)].map((s) => s.id.toLowerCase());
  // "urn:a:b:User" parses as uri "urn:a:b" + attr "User": a whole-schema path is declared if it names a known schema.
  return !known.includes(uri) && !known.includes(`${uri}:${path.path.attr.toLowerCase()}`);
}

// A path that is a whole schema URN ("urn:...:enterprise:2.0:User") addresses all of its attributes.
export function schemaOfPath(path: PatchPath, type: ResourceTypeDef): string | undefined {
  if (!path.path.uri || path.path.sub || path.filter || path.sub) return undefined;
  const urn = `${path.path.uri}:${path.path.attr}`.toLowerCase();
  return [type.schema, ...type.extensions.map((e) => e.schema)].find((s) => s.id.toLowerCase() === urn)?.id;
}

function applyToSchema(data: JsonObject, op: PatchOp, type: ResourceTypeDef, schemaId: string): void {
  if (op.op !== "remove") {
    for (const { target, value } of expandPathless({ [schemaId]: op.value }, type)) {
      applyToTarget(data, op.op, target, value);
    }
    return;
  }
  const extension = type.extensions.find((e) => e.schema.id === schemaId);
  if (!extension) throw badRequest("invalidPath", "the core schema cannot be removed as a whole");
  // RFC 7643 §3.3: only a required extension must stay; an optional one goes with its required attributes.
  if (extension.required) throw badRequest("mutability", `${schemaId} is required`);
  deleteKey(data, schemaId);
}

function applyToTarget(data: JsonObject, op: Op, target: Target, value: unknown): void {
  const container = containerOf(data, target);
  const name = target.attribute.name;
  const before = getKey(container, name);
  const effectiveOp = op !== "remove" && clears(value, target) ? "remove" : op;
  const after = target.attribute.multiValued
    ? multiValued(before, effectiveOp, target, value)
    : singleValued(before, effectiveOp, target, value);

  if (after === undefined) {
    // RFC 7644 §3.5.2.2: a required attribute that is removed or becomes unassigned is "mutability".
    if (before !== undefined && target.attribute.required) {
      throw badRequest("mutability", `'${target.text}' is required and cannot be removed`);
    }
    deleteKey(container, name);
  } else {
    setKey(container, name, after);
  }
  // RFC 7644 §3.5.2: an immutable attribute may be set once, never changed.
  if (target.attribute.mutability === "immutable" && before !== undefined && !deepEqual(before, after)) {
    throw badRequest("mutability", `'${target.text}' is immutable`);
  }
  if (target.schemaKey && Object.keys(container).length === 0) deleteKey(data, target.schemaKey);
}

// Entra clears an attribute with replace "" or null (gallery tests expect it cleared): a remove of the
// same target. An empty array clears too, except as a whole multi-valued value, where add [] adds nothing.
function clears(value: unknown, target: Target): boolean {
  if (isCleared(value)) return true;
  const whole = target.attribute.multiValued && !target.filter && !target.sub;
  return Array.isArray(value) && value.length === 0 && !whole;
}

// Extension attributes live under their schema URN key (created on demand).
function containerOf(data: JsonObject, target: Target): JsonObject {
  if (!target.schemaKey) return data;
  const existing = getKey(data, target.schemaKey);
  const container = isObject(existing) ? existing : {};
  setKey(data, target.schemaKey, container);
  return container;
}

/** Returns the attribute's new value, undefined when it becomes unassigned. */
function singleValued(before: unknown, op: Op, target: Target, value: unknown): unknown {
  const { attribute, sub } = target;
  if (sub) {
    if (op === "remove" && sub.required) throw badRequest("mutability", `'${target.text}' is required`);
    const complex = isObject(before) ? { ...before } : {};
    const item = op === "remove" ? null : single(value, sub, target);
    if (isCleared(item)) deleteKey(complex, sub.name);
    else setKey(complex, sub.name, item);
    return Object.keys(complex).length > 0 ? complex : undefined;
  }
  if (op === "remove") return undefined;
  const item = single(value, attribute, target);
  if (isCleared(item)) return undefined;
  // RFC 7644 §3.5.2.1/3: a complex value sets the sub-attributes it names and leaves the others.
  if (attribute.subAttributes && isObject(item)) {
    const merged = mergeComplex(before, item, attribute.subAttributes);
    return Object.keys(merged).length > 0 ? merged : undefined;
  }
  // Anything else (Entra's manager as a plain id string) is stored as sent for the validator to coerce.
  return item;
}

// Entra's legacy manager form sends a one-element array for a single-valued attribute.
function single(value: unknown, def: AttributeDef, target: Target): unknown {
  if (!Array.isArray(value)) return canonicalise(value, def.subAttributes);
  if (value.length > 1) {
    throw badRequest("invalidValue", `'${target.text}' is single-valued but got ${value.length} values`);
  }
  return canonicalise(value[0] ?? null, def.subAttributes);
}

function multiValued(before: unknown, op: Op, target: Target, value: unknown): unknown[] | undefined {
  const current = Array.isArray(before) ? before : before === undefined || before === null ? [] : [before];
  const { attribute } = target;
  const elementwise = target.filter !== undefined || target.sub !== undefined;
  let after: unknown[];
  if (op === "remove") {
    if (elementwise) after = removeMatchingElements(current, target);
    else if (!isCleared(value)) after = removeListedElements(current, value, attribute);
    else after = [];
  } else if (elementwise) {
    // Entra sends add on a value path meaning "set it"; add and replace coincide there.
    after = setMatchingElements(current, target, value);
  } else {
    after = op === "add" ? addElements(current, value, attribute) : replaceElements(value, attribute);
  }
  // RFC 7644 §3.5.2.2: with no values left the attribute is unassigned.
  return after.length > 0 ? after : undefined;
}
