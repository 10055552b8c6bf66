import type { MemberRow } from "./resource-json.ts";
import type { ResourceTypeDef } from "./schema/resource-type.ts";
import type { ScimData } from "./validate.ts";

export interface StoredResource {
  id: string;
  data: ScimData;
  created: string;
  lastModified: string;
  version: number;
  /** A user's groups, read with its row (RFC 7643 §4.1.2 "groups" is computed, not stored). */
  memberships?: Membership[];
  /** A group's members in id order, when the write that answers with it knows them all. */
  members?: MemberRow[];
}

export interface Membership {
  groupId: string;
  display: string;
}

export const etagOf = (version: number) => `W/"${version}"`;

/** RFC 7643 §3.1: the resource as returned, with schemas, id and meta around the stored attributes. */
export function toScim(resource: StoredResource, type: ResourceTypeDef, scimBase: string): ScimData {
  const schemas = [type.schema.id];
  for (const { schema } of type.extensions) if (resource.data[schema.id] !== undefined) schemas.push(schema.id);
  const location = `${scimBase}${type.endpoint}/${resource.id}`;
  return {
    schemas,
    id: resource.id,
    ...resource.data,
    meta: {
      resourceType: type.id,
      created: resource.created,
      lastModified: resource.lastModified,
      location,
      version: etagOf(resource.version),
    },
  };
}
