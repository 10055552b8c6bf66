import { complex, dateTime, reference, string, type AttributeDef } from "./attribute.ts";

// RFC 7643 §3.1: attributes every resource carries, outside any schema's own list.
export const commonAttributes: AttributeDef[] = [
  string("id", { caseExact: true, mutability: "readOnly", returned: "always", uniqueness: "server" }),
  string("externalId", { caseExact: true }),
  complex(
    "meta",
    [
      string("resourceType", { caseExact: true, mutability: "readOnly" }),
      dateTime("created", { mutability: "readOnly" }),
      dateTime("lastModified", { mutability: "readOnly" }),
      reference("location", ["uri"], { mutability: "readOnly" }),
      string("version", { caseExact: true, mutability: "readOnly" }),
    ],
    { mutability: "readOnly" },
  ),
];
