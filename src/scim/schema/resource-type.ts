import type { AttrPath } from "../filter/ast.ts";
import { type AttributeDef, findAttribute, type SchemaDef } from "./attribute.ts";
import { commonAttributes } from "./common.ts";
import { enterpriseSchema } from "./enterprise.ts";
import { groupSchema } from "./group.ts";
import { userSchema } from "./user.ts";

export interface ResourceTypeDef {
  id: string;
  name: string;
  endpoint: string;
  description: string;
  schema: SchemaDef;
  extensions: { schema: SchemaDef; required: boolean }[];
}

export const userResourceType: ResourceTypeDef = {
  id: "User",
  name: "User",
  endpoint: "/Users",
  description: "User Account",
  schema: userSchema,
  extensions: [{ schema: enterpriseSchema, required: false }],
};

export const groupResourceType: ResourceTypeDef = {
  id: "Group",
  name: "Group",
  endpoint: "/Groups",
  description: "Group",
  schema: groupSchema,
  extensions: [],
};

export interface ResolvedAttribute {
  /** The schema the attribute belongs to; undefined for id, externalId and meta. */
  schema?: SchemaDef;
  /** True when the attribute lives under its schema's URN key in stored data (extensions). */
  extension: boolean;
  attribute: AttributeDef;
  sub?: AttributeDef;
}

export function findExtension(type: ResourceTypeDef, uri: string): SchemaDef | undefined {
  const wanted = uri.toLowerCase();
  return type.extensions.find((e) => e.schema.id.toLowerCase() === wanted)?.schema;
}

/**
 * Resolves a path case-insensitively (RFC 7643 §2.1) against the resource's schemas. A path without
 * a URN is looked up in the common attributes, then the core schema, then each extension.
 */
export function resolveAttribute(type: ResourceTypeDef, path: AttrPath): ResolvedAttribute | undefined {
  let schema: SchemaDef | undefined;
  let attribute: AttributeDef | undefined;
  let extension = false;
  if (path.uri) {
    if (path.uri.toLowerCase() === type.schema.id.toLowerCase()) {
      schema = type.schema;
    } else {
      schema = findExtension(type, path.uri);
      extension = true;
    }
    attribute = schema && findAttribute(schema.attributes, path.attr);
  } else {
    attribute = findAttribute(commonAttributes, path.attr);
    if (!attribute) {
      for (const candidate of [type.schema, ...type.extensions.map((e) => e.schema)]) {
        attribute = findAttribute(candidate.attributes, path.attr);
        if (attribute) {
          schema = candidate;
          extension = candidate !== type.schema;
          break;
        }
      }
    }
  }
  if (!attribute) return undefined;
  if (!path.sub) return { schema, extension, attribute };
  const sub = attribute.subAttributes && findAttribute(attribute.subAttributes, path.sub);
  return sub ? { schema, extension, attribute, sub } : undefined;
}
