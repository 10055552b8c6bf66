import { canonicalDateTime } from "../datetime.ts";
import { badRequest } from "../errors.ts";
import type { AttrPath, CompareOp, CompValue, Filter } from "../filter/ast.ts";
import { literalFor } from "../filter/value.ts";
import { type AttributeDef, findAttribute } from "../schema/attribute.ts";
import { getKey, isObject, toBoolean } from "./values.ts";

// Evaluates a PATCH value filter (RFC 7644 §3.5.2, valuePath) against one element of a multi-valued
// attribute, in memory. Paths in the filter are relative to the element.

export function matchesFilter(filter: Filter, element: Record<string, unknown>, subAttributes: readonly AttributeDef[] = []): boolean {
  switch (filter.op) {
    case "and":
      return matchesFilter(filter.left, element, subAttributes) && matchesFilter(filter.right, element, subAttributes);
    case "or":
      return matchesFilter(filter.left, element, subAttributes) || matchesFilter(filter.right, element, subAttributes);
    case "not":
      return !matchesFilter(filter.filter, element, subAttributes);
    case "has":
      throw badRequest("invalidFilter", "a value filter cannot contain another value filter");
    case "pr":
      return isPresent(lookup(element, filter.path));
    default: {
      const actual = lookup(element, filter.path);
      const def = lookupDef(subAttributes, filter.path);
      const values = Array.isArray(actual) ? actual : [actual];
      const expected = literalFor(def, filter);
      return filter.op === "ne"
        ? !values.some((v) => compare("eq", v, expected, def))
        : values.some((v) => compare(filter.op, v, expected, def));
    }
  }
}

function lookup(element: Record<string, unknown>, path: AttrPath): unknown {
  const value = getKey(element, path.attr);
  if (!path.sub) return value;
  return isObject(value) ? getKey(value, path.sub) : undefined;
}

function lookupDef(subAttributes: readonly AttributeDef[], path: AttrPath): AttributeDef | undefined {
  const def = findAttribute(subAttributes, path.attr);
  return path.sub ? def?.subAttributes && findAttribute(def.subAttributes, path.sub) : def;
}

// RFC 7644 §3.4.2.2 "pr": the attribute has a non-empty value.
function isPresent(value: unknown): boolean {
  if (value === undefined || value === null || value === "") return false;
  if (Array.isArray(value)) return value.length > 0;
  if (isObject(value)) return Object.values(value).some(isPresent);
  return true;
}

function compare(op: CompareOp, actual: unknown, expected: CompValue, def: AttributeDef | undefined): boolean {
  if (def?.type === "dateTime" && expected !== null) return compareDateTime(op, actual, expected, def);
  switch (op) {
    case "eq":
    case "ne":
      return equals(actual, expected, def);
    case "co":
    case "sw":
    case "ew": {
      if (typeof actual !== "string" || typeof expected !== "string") return false;
      const [a, e] = def?.caseExact ? [actual, expected] : [actual.toLowerCase(), expected.toLowerCase()];
      return op === "co" ? a.includes(e) : op === "sw" ? a.startsWith(e) : a.endsWith(e);
    }
    case "gt":
    case "ge":
    case "lt":
    case "le": {
      // RFC 7644 §3.4.2.2: ordering a boolean or binary attribute is an invalid filter.
      if (def?.type === "boolean" || def?.type === "binary" || typeof expected === "boolean") {
        throw badRequest("invalidFilter", `'${op}' cannot compare boolean or binary values`);
      }
      const order = ordering(actual, expected, def);
      if (order === undefined) return false;
      return op === "gt" ? order > 0 : op === "ge" ? order >= 0 : op === "lt" ? order < 0 : order <= 0;
    }
  }
}

// As the SQL compiler compares a dateTime: stored canonical text against the canonical literal
// (datetime.ts), refusing the literals and operators it refuses.
function compareDateTime(op: CompareOp, actual: unknown, expected: CompValue, def: AttributeDef): boolean {
  if (op === "co" || op === "sw" || op === "ew") throw badRequest("invalidFilter", `${op} applies to strings, not to ${def.name}`);
  const e = canonicalDateTime(expected);
  if (e === undefined) throw badRequest("invalidFilter", `${def.name} is a dateTime: compare it with a quoted xsd:dateTime`);
  const a = canonicalDateTime(actual);
  if (a === undefined) return false;
  switch (op) {
    case "eq":
    case "ne":
      return a === e;
    case "gt":
      return a > e;
    case "ge":
      return a >= e;
    case "lt":
      return a < e;
    case "le":
      return a <= e;
  }
}

function equals(actual: unknown, expected: CompValue, def: AttributeDef | undefined): boolean {
  if (expected === null) return actual === undefined || actual === null;
  // Entra writes booleans as "True"/"False" strings, in data and in filters alike.
  if (def?.type === "boolean" || typeof expected === "boolean" || typeof actual === "boolean") {
    const a = toBoolean(actual);
    return a !== undefined && a === toBoolean(expected);
  }
  if (typeof expected === "number" || typeof actual === "number") {
    return actual !== null && actual !== "" && Number(actual) === Number(expected);
  }
  if (typeof actual !== "string") return false;
  return def?.caseExact ? actual === expected : actual.toLowerCase() === expected.toLowerCase();
}

function ordering(actual: unknown, expected: CompValue, def: AttributeDef | undefined): number | undefined {
  if (typeof expected === "number") {
    const a = typeof actual === "number" ? actual : typeof actual === "string" && actual !== "" ? Number(actual) : NaN;
    return Number.isNaN(a) ? undefined : a - expected;
  }
  if (typeof actual !== "string" || typeof expected !== "string") return undefined;
  const [a, e] = def?.caseExact ? [actual, expected] : [actual.toLowerCase(), expected.toLowerCase()];
  return a < e ? -1 : a > e ? 1 : 0;
}
