import { badRequest } from "../errors.ts";
import type { Filter, PatchPath } from "../filter/ast.ts";
import { type AttributeDef, findAttribute } from "../schema/attribute.ts";
import { resolveAttribute, type ResourceTypeDef } from "../schema/resource-type.ts";

/** A PATCH path resolved against the resource type's schemas, with canonical definitions. */
export interface Target {
  /** The URN key holding the attribute in stored data, for extension attributes. */
  schemaKey?: string;
  attribute: AttributeDef;
  /** From "name.givenName" or a value path's trailing ".value". */
  sub?: AttributeDef;
  filter?: Filter;
  /** The path as written, for error details. */
  text: string;
}

export function describePath(path: PatchPath): string {
  const { uri, attr, sub } = path.path;
  const base = `${uri ? `${uri}:` : ""}${attr}${sub ? `.${sub}` : ""}`;
  return `${base}${path.filter ? "[…]" : ""}${path.sub ? `.${path.sub}` : ""}`;
}

/** Resolves a path, or undefined when it names no attribute of the resource type. */
export function lookupTarget(type: ResourceTypeDef, path: PatchPath): Target | undefined {
  const text = describePath(path);
  const resolved = resolveAttribute(type, { ...path.path, sub: path.sub ?? path.path.sub });
  if (!resolved) return undefined;
  const { attribute, sub } = resolved;
  if (path.filter) {
    // RFC 7644 §3.5.2: valuePath = attrPath "[" valFilter "]", only on multi-valued complex attributes.
    if (!attribute.multiValued || !attribute.subAttributes) {
      throw badRequest("invalidPath", `'${text}': a value filter needs a multi-valued complex attribute`);
    }
    checkFilterPaths(path.filter, attribute.subAttributes, text);
  }
  return {
    ...(resolved.extension && resolved.schema ? { schemaKey: resolved.schema.id } : {}),
    attribute,
    ...(sub ? { sub } : {}),
    ...(path.filter ? { filter: path.filter } : {}),
    text,
  };
}

/** Resolves an explicit path: unknown attributes and URNs are invalidPath, readOnly ones mutability. */
export function resolveTarget(type: ResourceTypeDef, path: PatchPath): Target {
  const target = lookupTarget(type, path);
  if (!target) throw badRequest("invalidPath", `'${describePath(path)}' is not an attribute of ${type.name}`);
  if (isReadOnly(target)) throw badRequest("mutability", `'${target.text}' is readOnly`);
  return target;
}

// RFC 7643 §7 / RFC 7644 §3.5.2: a client cannot modify readOnly attributes.
export function isReadOnly(target: Target): boolean {
  return target.attribute.mutability === "readOnly" || target.sub?.mutability === "readOnly";
}

// Filter paths are relative to one element, so each must name a sub-attribute.
function checkFilterPaths(filter: Filter, subAttributes: readonly AttributeDef[], text: string): void {
  switch (filter.op) {
    case "and":
    case "or":
      checkFilterPaths(filter.left, subAttributes, text);
      checkFilterPaths(filter.right, subAttributes, text);
      return;
    case "not":
      checkFilterPaths(filter.filter, subAttributes, text);
      return;
    case "has":
      throw badRequest("invalidFilter", `'${text}': a value filter cannot contain another value filter`);
    default: {
      const def = findAttribute(subAttributes, filter.path.attr);
      const ok = def && (!filter.path.sub || (def.subAttributes && findAttribute(def.subAttributes, filter.path.sub)));
      if (filter.path.uri || !ok) {
        throw badRequest("invalidPath", `'${text}': '${filter.path.attr}' is not a sub-attribute`);
      }
    }
  }
}
