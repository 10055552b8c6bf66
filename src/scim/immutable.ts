import { badRequest } from "./errors.ts";
import type { AttributeDef } from "./schema/attribute.ts";
import type { ResourceTypeDef } from "./schema/resource-type.ts";
import type { ScimData } from "./validate.ts";

// RFC 7644 §3.5.1, PUT on an immutable attribute: with no stored value the request may set it;
// otherwise it must send the stored value (compared as the attribute compares: caseExact, and
// multi-valued as a set), or the request fails with 400 mutability. One left out is not asserted
// by the client and keeps its stored value, so a PUT cannot clear it and a later one set another.

function comparable(def: AttributeDef, value: unknown): string {
  const one = (v: unknown) => JSON.stringify(typeof v === "string" && !def.caseExact ? v.toLowerCase() : v);
  return def.multiValued && Array.isArray(value) ? JSON.stringify(value.map(one).sort()) : one(value);
}

/** The immutable attributes of `values` (the resource or one extension's bag), with `stored` as it is. */
function keep(attributes: readonly AttributeDef[], stored: ScimData, values: ScimData, where: (name: string) => string): ScimData {
  const out = { ...values };
  for (const def of attributes) {
    if (def.mutability !== "immutable" || stored[def.name] === undefined) continue;
    if (out[def.name] !== undefined && comparable(def, out[def.name]) !== comparable(def, stored[def.name])) {
      throw badRequest("mutability", `${where(def.name)} is immutable: it cannot change once set`);
    }
    out[def.name] = stored[def.name];
  }
  return out;
}

/** `next`, a whole resource a PUT replaces `stored` with, checked and completed for immutable attributes. */
export function keepImmutable(type: ResourceTypeDef, stored: ScimData, next: ScimData): ScimData {
  const out = keep(type.schema.attributes, stored, next, (name) => name);
  for (const { schema } of type.extensions) {
    const storedValues = stored[schema.id] as ScimData | undefined;
    if (!storedValues) continue;
    const kept = keep(schema.attributes, storedValues, (out[schema.id] as ScimData | undefined) ?? {}, (name) => `${schema.id}:${name}`);
    if (Object.keys(kept).length > 0) out[schema.id] = kept;
  }
  return out;
}
