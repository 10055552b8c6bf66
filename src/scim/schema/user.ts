import { binary, boolean, complex, multiValued, reference, string, type SchemaDef } from "./attribute.ts";

export const USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User";

// RFC 7643 §4.1 and §8.7.1.
export const userSchema: SchemaDef = {
  id: USER_SCHEMA,
  name: "User",
  description: "User Account",
  attributes: [
    string("userName", { required: true, uniqueness: "server" }),
    complex("name", [
      string("formatted"),
      string("familyName"),
      string("givenName"),
      string("middleName"),
      string("honorificPrefix"),
      string("honorificSuffix"),
    ]),
    string("displayName"),
    string("nickName"),
    reference("profileUrl", ["external"]),
    string("title"),
    string("userType"),
    string("preferredLanguage"),
    string("locale"),
    string("timezone"),
    boolean("active"),
    string("password", { mutability: "writeOnly", returned: "never" }),
    multiValued("emails", string("value"), ["work", "home", "other"]),
    multiValued("phoneNumbers", string("value"), ["work", "home", "mobile", "fax", "pager", "other"]),
    multiValued("ims", string("value"), ["aim", "gtalk", "icq", "xmpp", "msn", "skype", "qq", "yahoo"]),
    multiValued("photos", reference("value", ["external"]), ["photo", "thumbnail"]),
    complex(
      "addresses",
      [
        string("formatted"),
        string("streetAddress"),
        string("locality"),
        string("region"),
        string("postalCode"),
        string("country"),
        string("type", { canonicalValues: ["work", "home", "other"] }),
        boolean("primary"),
      ],
      { multiValued: true },
    ),
    complex(
      "groups",
      [
        string("value", { mutability: "readOnly" }),
        reference("$ref", ["User", "Group"], { mutability: "readOnly" }),
        string("display", { mutability: "readOnly" }),
        string("type", { mutability: "readOnly", canonicalValues: ["direct", "indirect"] }),
      ],
      { multiValued: true, mutability: "readOnly" },
    ),
    multiValued("entitlements", string("value"), []),
    multiValued("roles", string("value"), []),
    multiValued("x509Certificates", binary("value"), []),
  ],
};
