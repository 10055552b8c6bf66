import { badRequest } from "../errors.ts";
import type { Filter } from "../filter/ast.ts";
import { type AttributeDef, findAttribute } from "../schema/attribute.ts";
import { matchesFilter } from "./match.ts";
import type { Target } from "./target.ts";
import {
  canonicalise,
  deepEqual,
  deleteKey,
  getKey,
  isCleared,
  isObject,
  type JsonObject,
  mergeComplex,
  setKey,
  toBoolean,
} from "./values.ts";

// PATCH on multi-valued attributes (RFC 7644 §3.5.2.1-3). Each function takes the current array and
// returns the new one (empty = unassigned); the caller stores it.

type Elements = unknown[];

/** add without filter: append the new values; one equal to an existing value updates it instead. */
export function addElements(current: Elements, value: unknown, attribute: AttributeDef): Elements {
  const result = [...current];
  const touched: unknown[] = [];
  for (const raw of Array.isArray(value) ? value : [value]) {
    if (isCleared(raw)) continue;
    const item = newElement(raw, attribute);
    const index = result.findIndex((existing) => sameElement(item, existing, attribute));
    if (index < 0) {
      result.push(item);
      touched.push(item);
    } else if (isObject(item) && attribute.subAttributes) {
      result[index] = mergeComplex(result[index], item, attribute.subAttributes);
      touched.push(result[index]);
    }
  }
  return singlePrimary(result, touched);
}

/** replace without filter: "the attribute and all values are replaced" (RFC 7644 §3.5.2.3). */
export function replaceElements(value: unknown, attribute: AttributeDef): Elements {
  const items = (Array.isArray(value) ? value : [value]).filter((item) => !isCleared(item)).map((item) => newElement(item, attribute));
  return singlePrimary(items, items);
}

// Entra sends members as {"$ref":null,"value":"id"}: nulls mean "not given" (RFC 7643 §2.5).
function newElement(raw: unknown, attribute: AttributeDef): unknown {
  const item = canonicalise(raw, attribute.subAttributes);
  return isObject(item) ? withoutNulls(item) : item;
}

/**
 * remove on the attribute itself with a value: Entra's `{"op":"Remove","path":"members","value":[...]}`
 * removes only the listed values. A literal RFC reading would empty the whole attribute (known data loss).
 */
export function removeListedElements(current: Elements, value: unknown, attribute: AttributeDef): Elements {
  const listed = (Array.isArray(value) ? value : [value]).map((item) => canonicalise(item, attribute.subAttributes));
  return current.filter((existing) => !listed.some((item) => sameElement(item, existing, attribute)));
}

/** add/replace through a value path, or "emails.value" on every element. */
export function setMatchingElements(current: Elements, target: Target, value: unknown): Elements {
  const { attribute, sub, filter } = target;
  const subAttributes = attribute.subAttributes ?? [];
  const item = Array.isArray(value) && value.length === 1 ? value[0] : value;
  if (!sub && !isObject(item)) {
    throw badRequest("invalidValue", `'${target.text}' needs an object of sub-attributes as value`);
  }
  const update = (element: unknown): JsonObject => {
    if (!sub) return mergeComplex(element, item as JsonObject, subAttributes);
    const updated = { ...(isObject(element) ? element : {}) };
    setKey(updated, sub.name, item);
    return updated;
  };

  let matched = false;
  const result = current.map((element) => {
    if (!selects(filter, element, subAttributes)) return element;
    matched = true;
    return update(element);
  });
  const touched = result.filter((element, i) => element !== current[i]);
  if (!matched) {
    // RFC 7644 §3.5.2.3 answers noTarget here, but Entra replaces emails[type eq "work"].value on a
    // user without a work email and expects the entry to be created.
    const created = update(elementFromFilter(filter, subAttributes, target.text));
    result.push(created);
    touched.push(created);
  }
  return singlePrimary(result, touched);
}

/** remove through a value path: the matching values, or one sub-attribute of each. */
export function removeMatchingElements(current: Elements, target: Target): Elements {
  const { attribute, sub, filter } = target;
  const subAttributes = attribute.subAttributes ?? [];
  return current.flatMap((element) => {
    if (!selects(filter, element, subAttributes)) return [element];
    if (!sub) return [];
    if (sub.required) throw badRequest("mutability", `'${target.text}' is required`);
    const rest = { ...(element as JsonObject) };
    deleteKey(rest, sub.name);
    return isHollow(rest) ? [] : [rest];
  });
}

function selects(filter: Filter | undefined, element: unknown, subAttributes: readonly AttributeDef[]): boolean {
  if (!filter) return true;
  return isObject(element) && matchesFilter(filter, element, subAttributes);
}

// An element left with only its labels (RFC 7643 §2.4 type/primary) carries no value: Entra clearing
// emails[type eq "work"].value means the work email is gone, not that {type:"work"} remains.
function isHollow(element: JsonObject): boolean {
  return Object.entries(element).every(([key, v]) => isCleared(v) || ["type", "primary"].includes(key.toLowerCase()));
}

/** Builds the element a filter of eq terms joined by and describes: emails[type eq "work"] -> {type:"work"}. */
function elementFromFilter(filter: Filter | undefined, subAttributes: readonly AttributeDef[], text: string): JsonObject {
  const element: JsonObject = {};
  const collect = (f: Filter): void => {
    if (f.op === "and") {
      collect(f.left);
      collect(f.right);
    } else if (f.op === "eq" && !f.path.sub && f.value !== null) {
      setKey(element, findAttribute(subAttributes, f.path.attr)?.name ?? f.path.attr, f.value);
    } else {
      throw badRequest("noTarget", `'${text}' matches no value and its filter does not describe a new one`);
    }
  };
  if (filter) collect(filter);
  return element;
}

// Two values are the same when their "value" sub-attributes are equal (RFC 7643 §2.4: it is the
// value's identity; members {"$ref":null,"value":"id"} is the stored {"value":"id"}); otherwise deep-equal.
function sameElement(item: unknown, existing: unknown, attribute: AttributeDef): boolean {
  const subAttributes = attribute.subAttributes ?? [];
  if (isObject(item) && isObject(existing)) {
    const value = getKey(item, "value");
    if (findAttribute(subAttributes, "value") && value !== undefined && value !== null) {
      if (typeof value !== "string" && typeof value !== "number" && typeof value !== "boolean") {
        return deepEqual(value, getKey(existing, "value"));
      }
      return matchesFilter({ op: "eq", path: { attr: "value" }, value }, existing, subAttributes);
    }
    return deepEqual(withoutNulls(item), withoutNulls(existing));
  }
  if (typeof item === "string" && typeof existing === "string" && !attribute.caseExact) {
    return item.toLowerCase() === existing.toLowerCase();
  }
  return deepEqual(item, existing);
}

function withoutNulls(element: JsonObject): JsonObject {
  return Object.fromEntries(Object.entries(element).filter(([, v]) => !isCleared(v)));
}

// RFC 7643 §2.4: at most one value is primary; the one this operation set wins.
function singlePrimary(elements: Elements, touched: unknown[]): Elements {
  const winner = touched.findLast((e) => isObject(e) && toBoolean(getKey(e, "primary")) === true);
  if (!winner) return elements;
  return elements.map((e) => {
    if (e === winner || !isObject(e) || toBoolean(getKey(e, "primary")) !== true) return e;
    const demoted = { ...e };
    setKey(demoted, "primary", false);
    return demoted;
  });
}
