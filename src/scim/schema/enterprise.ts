import { complex, reference, string, type SchemaDef } from "./attribute.ts";

export const ENTERPRISE_SCHEMA = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

// RFC 7643 §4.3.
export const enterpriseSchema: SchemaDef = {
  id: ENTERPRISE_SCHEMA,
  name: "EnterpriseUser",
  description: "Enterprise User",
  attributes: [
    string("employeeNumber"),
    string("costCenter"),
    string("organization"),
    string("division"),
    string("department"),
    complex("manager", [
      string("value", { caseExact: true }),
      reference("$ref", ["User"]),
      string("displayName", { mutability: "readOnly" }),
    ]),
  ],
};
