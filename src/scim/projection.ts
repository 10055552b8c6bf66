import { parseAttrPath } from "./filter/parse.ts";
import { type AttributeDef, findAttribute } from "./schema/attribute.ts";
import { commonAttributes } from "./schema/common.ts";
import { resolveAttribute, type ResourceTypeDef } from "./schema/resource-type.ts";
import type { ScimData } from "./validate.ts";

// RFC 7644 §3.4.2.5 attributes / excludedAttributes.

export interface Projection {
  attributes?: string[];
  excludedAttributes?: string[];
}

// A comma inside a value filter's brackets (below) does not separate attributes.
const LIST_SEPARATOR = /,(?![^[]*\])/;

export function parseProjection(attributes?: string | null, excluded?: string | null): Projection {
  const list = (v?: string | null) =>
    v
      ?.split(LIST_SEPARATOR)
      .map((s) => s.trim())
      .filter(Boolean);
  return { attributes: list(attributes), excludedAttributes: list(excluded) };
}

interface Selector {
  /** Key in the resource: a top-level attribute name, or an extension URN. */
  key: string;
  /** Inside an extension object: the attribute name. */
  attr?: string;
  /** Sub-attribute name. */
  sub?: string;
}

// RFC 7644 defines no value filter in attributes/excludedAttributes, but Microsoft's reference
// collection sends `attributes=emails[type eq "work"]`. Such a selector names its attribute
// (`emails[...].value` names emails.value); the filter selects no elements.
const VALUE_FILTER = /\[[^\]]*\]/;

function selectorOf(type: ResourceTypeDef, text: string): Selector | undefined {
  const extension = type.extensions.find((e) => e.schema.id.toLowerCase() === text.toLowerCase());
  if (extension) return { key: extension.schema.id };
  const path = parseAttrPath(text.replace(VALUE_FILTER, ""), "invalidValue");
  const resolved = resolveAttribute(type, path);
  if (!resolved) return undefined;
  const sub = resolved.sub?.name;
  if (resolved.extension && resolved.schema) return { key: resolved.schema.id, attr: resolved.attribute.name, sub };
  return { key: resolved.attribute.name, sub };
}

function pick(value: unknown, sub: string | undefined): unknown {
  if (!sub) return value;
  const take = (v: unknown) => {
    if (typeof v !== "object" || v === null) return undefined;
    const hit = Object.entries(v).find(([k]) => k.toLowerCase() === sub.toLowerCase());
    return hit ? { [hit[0]]: hit[1] } : undefined;
  };
  if (Array.isArray(value)) return value.map(take).filter((v) => v !== undefined);
  return take(value);
}

function omit(value: unknown, sub: string): unknown {
  const drop = (v: unknown) => {
    if (typeof v !== "object" || v === null) return v;
    return Object.fromEntries(Object.entries(v).filter(([k]) => k.toLowerCase() !== sub.toLowerCase()));
  };
  return Array.isArray(value) ? value.map(drop) : drop(value);
}

/** Drops the top-level and extension attributes whose definition `drop` picks. */
function withoutAttributes(resource: ScimData, type: ResourceTypeDef, drop: (def: AttributeDef) => boolean): ScimData {
  const out: ScimData = { ...resource };
  for (const def of type.schema.attributes) if (drop(def)) delete out[def.name];
  for (const { schema } of type.extensions) {
    const bag = out[schema.id] as ScimData | undefined;
    if (!bag) continue;
    const kept = Object.entries(bag).filter(([name]) => {
      const def = findAttribute(schema.attributes, name);
      return !def || !drop(def);
    });
    if (kept.length) out[schema.id] = Object.fromEntries(kept);
    else delete out[schema.id];
  }
  return out;
}

const never = (def: AttributeDef) => def.returned === "never";
// RFC 7643 §7: "request" attributes are returned only when named in `attributes`.
const unlessRequested = (def: AttributeDef) => def.returned === "never" || def.returned === "request";

// RFC 7643 §7: "always" attributes (id, and any a tenant's extension declares so) are in every
// response, whatever attributes or excludedAttributes say.
function withReturnedAlways(out: ScimData, full: ScimData, type: ResourceTypeDef): ScimData {
  for (const def of [...commonAttributes, ...type.schema.attributes]) {
    if (def.returned === "always" && full[def.name] !== undefined) out[def.name] = full[def.name];
  }
  for (const { schema } of type.extensions) {
    const bag = full[schema.id] as ScimData | undefined;
    if (!bag) continue;
    for (const def of schema.attributes) {
      if (def.returned === "always" && bag[def.name] !== undefined) {
        out[schema.id] = { ...(out[schema.id] as ScimData | undefined), [def.name]: bag[def.name] };
      }
    }
  }
  return out;
}

/** Unknown names are ignored: a client asking for an attribute we don't have gets nothing for it. */
export function project(full: ScimData, projection: Projection, type: ResourceTypeDef): ScimData {
  return withReturnedAlways(projected(full, projection, type), full, type);
}

function projected(full: ScimData, projection: Projection, type: ResourceTypeDef): ScimData {
  const { attributes, excludedAttributes } = projection;
  if (attributes?.length) {
    const source = withoutAttributes(full, type, never);
    const out: ScimData = { schemas: source.schemas, id: source.id };
    for (const text of attributes) {
      const s = selectorOf(type, text);
      if (!s || source[s.key] === undefined) continue;
      if (s.attr) {
        const bag = (out[s.key] ?? {}) as ScimData;
        const value = pick((source[s.key] as ScimData)[s.attr], s.sub);
        if (value !== undefined) out[s.key] = { ...bag, [s.attr]: value };
      } else {
        const value = pick(source[s.key], s.sub);
        if (value !== undefined) out[s.key] = s.sub ? mergeDeep(out[s.key], value) : value;
      }
    }
    return out;
  }
  const resource = withoutAttributes(full, type, unlessRequested);
  if (excludedAttributes?.length) {
    const out: ScimData = { ...resource };
    for (const text of excludedAttributes) {
      const s = selectorOf(type, text);
      if (!s || out[s.key] === undefined) continue;
      if (s.attr) {
        const bag = { ...(out[s.key] as ScimData) };
        if (s.sub) bag[s.attr] = omit(bag[s.attr], s.sub);
        else delete bag[s.attr];
        out[s.key] = bag;
      } else if (s.sub) {
        out[s.key] = omit(out[s.key], s.sub);
      } else {
        delete out[s.key];
      }
    }
    return out;
  }
  return resource;
}

function mergeDeep(existing: unknown, value: unknown): unknown {
  if (Array.isArray(existing) && Array.isArray(value)) return existing.map((e, i) => ({ ...e, ...value[i] }));
  if (existing && typeof existing === "object" && value && typeof value === "object") return { ...existing, ...value };
  return value;
}

/**
 * Which sub-attributes of `name` a projection returns, or undefined when it returns none of them,
 * so callers can skip reading what won't be shown (Entra's excludedAttributes=members).
 */
export function returnedSubAttributes(projection: Projection, type: ResourceTypeDef, name: string, all: string[]): string[] | undefined {
  const selectors = (list: string[]) => list.map((text) => selectorOf(type, text)).filter((s): s is Selector => s?.key === name && !s.attr);
  if (projection.attributes?.length) {
    const picked = selectors(projection.attributes);
    if (picked.length === 0) return undefined;
    if (picked.some((s) => !s.sub)) return all;
    return all.filter((sub) => picked.some((s) => s.sub === sub));
  }
  if (projection.excludedAttributes?.length) {
    const dropped = selectors(projection.excludedAttributes);
    if (dropped.some((s) => !s.sub)) return undefined;
    return all.filter((sub) => !dropped.some((s) => s.sub === sub));
  }
  return all;
}
