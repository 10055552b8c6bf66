import type { SchemaDef } from "../scim/schema/attribute.ts";
import { groupResourceType, type ResourceTypeDef, userResourceType } from "../scim/schema/resource-type.ts";
import type { ExtensionDef } from "./config.ts";

export interface TenantTypes {
  User: ResourceTypeDef;
  Group: ResourceTypeDef;
}

const BASE: TenantTypes = { User: userResourceType, Group: groupResourceType };

function schemaOf(extension: ExtensionDef): SchemaDef {
  return {
    id: extension.urn,
    name: extension.urn.split(":").slice(-2).join(" "),
    description: `Extension of this tenant (${extension.resourceType})`,
    attributes: extension.attributes,
  };
}

// Built once per distinct extension set: the zod schemas derived from a type are cached per object.
const built = new Map<string, TenantTypes>();

/** The tenant's resource types: the built-in ones plus its own extensions (RFC 7643 §6 schemaExtensions). */
export function tenantResourceTypes(extensions: ExtensionDef[]): TenantTypes {
  if (extensions.length === 0) return BASE;
  const key = JSON.stringify(extensions);
  let types = built.get(key);
  if (!types) {
    const add = (base: ResourceTypeDef): ResourceTypeDef => ({
      ...base,
      extensions: [
        ...base.extensions,
        ...extensions.filter((e) => e.resourceType === base.id).map((e) => ({ schema: schemaOf(e), required: e.required })),
      ],
    });
    types = { User: add(userResourceType), Group: add(groupResourceType) };
    if (built.size > 1000) built.clear();
    built.set(key, types);
  }
  return types;
}
