import type { AuthMethod } from "../lib/oauth-credentials.ts";
import {
  DEFAULT_PAGE_SIZE,
  MAX_BOUND_PARAMETERS,
  MAX_BULK_OPERATIONS,
  MAX_FILTER_DEPTH,
  MAX_FILTER_LENGTH,
  MAX_MEMBERS_PER_REQUEST,
  MAX_PAGE_SIZE,
  MAX_PATCH_OPERATIONS,
  MAX_PAYLOAD_BYTES,
  MAX_SQL_NESTING,
} from "./limits.ts";
import type { AttributeDef, SchemaDef } from "./schema/attribute.ts";
import { commonAttributes } from "./schema/common.ts";
import type { ResourceTypeDef } from "./schema/resource-type.ts";

// RFC 7643 §5-7, generated from the same definitions that drive validation, so discovery can't
// promise what the code doesn't do.

const SPC_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig";
const RESOURCE_TYPE_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:ResourceType";
const SCHEMA_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Schema";
/** Our bounds that RFC 7643 §5 has no place for, as an extension of the ServiceProviderConfig. */
export const LIMITS_SCHEMA = "urn:scim-edge:params:scim:schemas:extension:limits:1.0:ServiceProviderConfig";

// RFC 7643 §5 authenticationSchemes, one per method a tenant may enable.
function authenticationScheme(method: AuthMethod, scimBase: string) {
  const tokenEndpoint = `${new URL(scimBase).origin}/oauth/token`;
  switch (method) {
    case "secretToken":
      return {
        type: "oauthbearertoken",
        name: "OAuth Bearer Token",
        description: "The tenant's Secret Token in the Authorization header: Bearer <token>",
        specUri: "https://www.rfc-editor.org/info/rfc6750",
      };
    case "clientCredentials":
      return {
        type: "oauth2",
        name: "OAuth 2.0 client credentials",
        description:
          `Access token from ${tokenEndpoint} (grant_type=client_credentials, client secret by HTTP Basic ` +
          "or in the body), then Bearer <access token>",
        specUri: "https://www.rfc-editor.org/info/rfc6749",
      };
    case "federation":
      return {
        type: "oauth2",
        name: "OAuth 2.0 workload identity federation",
        description: `Access token from ${tokenEndpoint} for a client assertion signed by Microsoft Entra ID, then Bearer <access token>`,
        specUri: "https://www.rfc-editor.org/info/rfc7523",
      };
    case "entraToken":
      return {
        type: "oauthbearertoken",
        name: "Microsoft Entra ID bearer token",
        description: "The token Microsoft Entra ID sends when the Secret Token is left blank (for testing)",
        specUri: "https://www.rfc-editor.org/info/rfc6750",
      };
    default: {
      const unreachable: never = method;
      throw new Error(`unknown authentication method ${unreachable}`);
    }
  }
}

/** `methods`: the tenant's enabled authentication methods, listed in that order, the first as primary. */
export function serviceProviderConfig(scimBase: string, methods: readonly AuthMethod[]) {
  return {
    schemas: [SPC_SCHEMA, LIMITS_SCHEMA],
    documentationUri: "https://datatracker.ietf.org/doc/html/rfc7644",
    patch: { supported: true },
    bulk: { supported: true, maxOperations: MAX_BULK_OPERATIONS, maxPayloadSize: MAX_PAYLOAD_BYTES },
    filter: { supported: true, maxResults: MAX_PAGE_SIZE },
    // draft-ietf-scim-cursor-pagination's block: the only standard-track place for page sizes.
    pagination: { cursor: false, index: true, defaultPageSize: DEFAULT_PAGE_SIZE, maxPageSize: MAX_PAGE_SIZE },
    changePassword: { supported: false },
    sort: { supported: true },
    etag: { supported: true },
    authenticationSchemes: methods.map((method, i) => ({ ...authenticationScheme(method, scimBase), primary: i === 0 })),
    [LIMITS_SCHEMA]: {
      maxPayloadSize: MAX_PAYLOAD_BYTES,
      maxFilterLength: MAX_FILTER_LENGTH,
      maxFilterDepth: MAX_FILTER_DEPTH,
      maxBoundParameters: MAX_BOUND_PARAMETERS,
      maxSqlNesting: MAX_SQL_NESTING,
      maxPatchOperations: MAX_PATCH_OPERATIONS,
      maxMembersPerRequest: MAX_MEMBERS_PER_REQUEST,
      maxPageSize: MAX_PAGE_SIZE,
    },
    meta: { resourceType: "ServiceProviderConfig", location: `${scimBase}/ServiceProviderConfig` },
  };
}

export function resourceTypeBody(type: ResourceTypeDef, scimBase: string) {
  return {
    schemas: [RESOURCE_TYPE_SCHEMA],
    id: type.id,
    name: type.name,
    endpoint: type.endpoint,
    description: type.description,
    schema: type.schema.id,
    schemaExtensions: type.extensions.map((e) => ({ schema: e.schema.id, required: e.required })),
    meta: { resourceType: "ResourceType", location: `${scimBase}/ResourceTypes/${type.id}` },
  };
}

function attributeBody(def: AttributeDef): Record<string, unknown> {
  const { subAttributes, ...rest } = def;
  return subAttributes ? { ...rest, subAttributes: subAttributes.map(attributeBody) } : rest;
}

/** Every schema a resource type uses; a resource's core schema also lists id, externalId and meta. */
export function allSchemas(types: ResourceTypeDef[]): { schema: SchemaDef; core: boolean }[] {
  const seen = new Map<string, { schema: SchemaDef; core: boolean }>();
  for (const type of types) {
    seen.set(type.schema.id, { schema: type.schema, core: true });
    for (const { schema } of type.extensions) seen.set(schema.id, { schema, core: false });
  }
  return [...seen.values()];
}

export function schemaBody({ schema, core }: { schema: SchemaDef; core: boolean }, scimBase: string) {
  const attributes = core ? [...commonAttributes, ...schema.attributes] : schema.attributes;
  return {
    schemas: [SCHEMA_SCHEMA],
    id: schema.id,
    name: schema.name,
    description: schema.description,
    attributes: attributes.map(attributeBody),
    meta: { resourceType: "Schema", location: `${scimBase}/Schemas/${schema.id}` },
  };
}
