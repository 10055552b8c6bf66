import { type AttributeDef, findAttribute } from "../schema/attribute.ts";

// Small helpers on plain JSON data shared by the PATCH engine.

export { isObject, type JsonObject } from "../json.ts";
import { isObject, type JsonObject } from "../json.ts";

/** Entra clears an attribute by replacing it with "" or null (gallery validation tests expect it). */
export function isCleared(value: unknown): boolean {
  return value === null || value === "" || value === undefined;
}

/** RFC 7643 §2.3.2 booleans, plus Entra's "True"/"False" strings. */
export function toBoolean(value: unknown): boolean | undefined {
  if (typeof value === "boolean") return value;
  if (typeof value === "string") {
    const lower = value.toLowerCase();
    if (lower === "true") return true;
    if (lower === "false") return false;
  }
  return undefined;
}

// RFC 7643 §2.1: attribute names are case-insensitive, so stored keys are looked up that way too.
function findKey(object: JsonObject, name: string): string | undefined {
  if (Object.hasOwn(object, name)) return name;
  const wanted = name.toLowerCase();
  return Object.keys(object).find((key) => key.toLowerCase() === wanted);
}

export function getKey(object: JsonObject, name: string): unknown {
  const key = findKey(object, name);
  return key === undefined ? undefined : object[key];
}

export function deleteKey(object: JsonObject, name: string): void {
  for (let key = findKey(object, name); key !== undefined; key = findKey(object, name)) delete object[key];
}

/** Sets `name` under its canonical spelling, dropping any differently-cased copy. */
export function setKey(object: JsonObject, name: string, value: unknown): void {
  deleteKey(object, name);
  object[name] = value;
}

/**
 * Renames known sub-attributes of a complex value to their canonical names and drops readOnly ones
 * (RFC 7643 §7: a client cannot set them; like PUT, RFC 7644 §3.5.1, they are ignored). Unknown
 * keys stay for the validator to judge.
 */
export function canonicalise(value: unknown, subAttributes: readonly AttributeDef[] | undefined): unknown {
  if (!subAttributes || !isObject(value)) return value;
  const result: JsonObject = {};
  for (const [key, item] of Object.entries(value)) {
    const def = findAttribute(subAttributes, key);
    if (def?.mutability === "readOnly") continue;
    result[def ? def.name : key] = item;
  }
  return result;
}

/** Merges sub-attributes into a complex value (RFC 7644 §3.5.2.3: unspecified ones stay). */
export function mergeComplex(existing: unknown, value: JsonObject, subAttributes: readonly AttributeDef[]): JsonObject {
  const result: JsonObject = isObject(existing) ? { ...existing } : {};
  for (const [key, item] of Object.entries(canonicalise(value, subAttributes) as JsonObject)) {
    if (isCleared(item)) deleteKey(result, key);
    else setKey(result, key, item);
  }
  return result;
}

export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) || Array.isArray(b)) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((x, i) => deepEqual(x, b[i]));
  }
  if (!isObject(a) || !isObject(b)) return false;
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  return [...keys].every((key) => deepEqual(a[key], b[key]));
}
