import { badRequest, ScimError } from "../errors.ts";
import type { AttrPath } from "../filter/ast.ts";
import { parseAttrPath } from "../filter/parse.ts";
import type { ResourceTypeDef } from "../schema/resource-type.ts";
import { isReadOnly, lookupTarget, type Target } from "./target.ts";
import { isObject } from "./values.ts";

export interface Assignment {
  target: Target;
  value: unknown;
  /** Where `value` sits in the operation's value: its key, or a schema URN key and the key inside. */
  keys: string[];
}

/**
 * RFC 7644 §3.5.2.1/3.5.2.3: without a path the value holds attributes of the resource itself. Entra's
 * flag dialect folds several attributes into one such value with dotted ("name.givenName") and
 * full-URN ("urn:...:User:employeeNumber") keys; a key that is a schema URN holds that schema's
 * attributes. Keys naming nothing we know, and readOnly attributes, are ignored (Entra sends junk).
 */
export function expandPathless(value: unknown, type: ResourceTypeDef): Assignment[] {
  if (!isObject(value)) {
    throw badRequest("invalidValue", "an operation without a path needs an object of attributes as value");
  }
  const schemaIds = [type.schema.id, ...type.extensions.map((e) => e.schema.id)];
  const assignments: Assignment[] = [];
  for (const [key, item] of Object.entries(value)) {
    const schemaId = schemaIds.find((id) => id.toLowerCase() === key.toLowerCase());
    if (schemaId) {
      if (!isObject(item)) continue;
      for (const [name, inner] of Object.entries(item)) {
        const path = parseKey(name);
        if (path && !path.uri) assign(assignments, type, { ...path, uri: schemaId }, inner, [key, name]);
      }
      continue;
    }
    const path = parseKey(key);
    if (path) assign(assignments, type, path, item, [key]);
  }
  return assignments;
}

function assign(assignments: Assignment[], type: ResourceTypeDef, path: AttrPath, value: unknown, keys: string[]): void {
  const target = lookupTarget(type, { path });
  if (target && !isReadOnly(target)) assignments.push({ target, value, keys });
}

function parseKey(key: string): AttrPath | undefined {
  try {
    return parseAttrPath(key, "invalidPath");
  } catch (error) {
    if (error instanceof ScimError) return undefined;
    throw error;
  }
}
