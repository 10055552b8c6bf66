import { complex, reference, string, type SchemaDef } from "./attribute.ts";

export const GROUP_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Group";

// RFC 7643 §4.2 and §8.7.1.
export const groupSchema: SchemaDef = {
  id: GROUP_SCHEMA,
  name: "Group",
  description: "Group",
  attributes: [
    string("displayName", { required: true }),
    complex(
      "members",
      [
        string("value", { caseExact: true, mutability: "immutable" }),
        reference("$ref", ["User", "Group"], { mutability: "immutable" }),
        string("display", { mutability: "readOnly" }),
        string("type", { mutability: "immutable", canonicalValues: ["User", "Group"] }),
      ],
      { multiValued: true },
    ),
  ],
};
