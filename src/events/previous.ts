import type { AttributeDef } from "../scim/schema/attribute.ts";
import { findAttribute } from "../scim/schema/attribute.ts";
import type { ResourceTypeDef } from "../scim/schema/resource-type.ts";
import type { ScimData } from "../scim/validate.ts";

// `previous` of *.updated (README: Change feed): like WorkOS's previous_attributes, the old values
// of exactly the top-level attributes that changed; an extension's URN is one top-level attribute.

/** writeOnly, returned-never and returned-request attributes: outside a plain GET's answer, so outside any event. */
export const hiddenFromEvents = (def: AttributeDef) =>
  def.mutability === "writeOnly" || def.returned === "never" || def.returned === "request";

/** `data` without the attributes hidden from events. */
export function visible(data: ScimData, type: ResourceTypeDef): ScimData {
  const out: ScimData = { ...data };
  for (const def of type.schema.attributes) if (hiddenFromEvents(def)) delete out[def.name];
  for (const { schema } of type.extensions) {
    const bag = out[schema.id] as ScimData | undefined;
    if (!bag) continue;
    out[schema.id] = Object.fromEntries(
      Object.entries(bag).filter(([name]) => {
        const def = findAttribute(schema.attributes, name);
        return !def || !hiddenFromEvents(def);
      }),
    );
  }
  return out;
}

function same(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  return ka.every((k) => Object.hasOwn(b, k) && same((a as ScimData)[k], (b as ScimData)[k]));
}

/** The attributes of `before` that differ in `after`; null for those `before` did not have. */
export function previousValues(type: ResourceTypeDef, before: ScimData, after: ScimData): Record<string, unknown> {
  const old = visible(before, type);
  const now = visible(after, type);
  const previous: Record<string, unknown> = {};
  for (const key of new Set([...Object.keys(old), ...Object.keys(now)])) {
    if (!same(old[key], now[key])) previous[key] = old[key] ?? null;
  }
  return previous;
}
