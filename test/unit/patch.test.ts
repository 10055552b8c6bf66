import { describe, expect, it } from "vitest";
import { ScimError } from "../../src/scim/errors.ts";
import { parseFilter } from "../../src/scim/filter/parse.ts";
import { applyPatch } from "../../src/scim/patch/apply.ts";
import { matchesFilter } from "../../src/scim/patch/match.ts";
import { MAX_PATCH_OPERATIONS } from "../../src/scim/limits.ts";
import { normalisePatchRequest } from "../../src/scim/patch/normalise.ts";
import { attribute, findAttribute, string } from "../../src/scim/schema/attribute.ts";
import { groupSchema } from "../../src/scim/schema/group.ts";
import { groupResourceType, type ResourceTypeDef, userResourceType } from "../../src/scim/schema/resource-type.ts";
import { userSchema } from "../../src/scim/schema/user.ts";

const ENT = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
const PATCH = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
type Data = Record<string, unknown>;

// The Group type plus an immutable attribute, to test immutability: the engine has no Group-specific code.
const groupType: ResourceTypeDef = {
  ...groupResourceType,
  schema: { ...groupSchema, attributes: [...groupSchema.attributes, string("code", { mutability: "immutable" })] },
};

// The user Entra created in entra-scim.md ("Create when nothing matched"), as stored.
const user: Data = {
  externalId: "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef",
  userName: "Test_User_1",
  active: true,
  emails: [{ primary: true, type: "work", value: "t1@testuser.com" }],
  name: { formatted: "givenName familyName", familyName: "familyName", givenName: "givenName" },
};
const withManager: Data = { ...user, [ENT]: { employeeNumber: "7", manager: { value: "m1" } } };
const group: Data = { displayName: "Sales", members: [{ value: "u1" }, { value: "u2" }, { value: "u3" }] };

const ops = (...operations: unknown[]) => ({ schemas: [PATCH], Operations: operations });
const patch = (data: Data, body: unknown, type = userResourceType) => applyPatch(data, normalisePatchRequest(body), type);

interface Case {
  name: string;
  data?: Data;
  type?: ResourceTypeDef;
  body: unknown;
  expected: Data;
}

const entraCases: Case[] = [
  {
    name: "default dialect update (one op per attribute, capitalised ops)",
    body: JSON.parse(`{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[
 {"op":"Replace","path":"emails[type eq \\"work\\"].value","value":"new@contoso.com"},
 {"op":"Replace","path":"name.familyName","value":"Pkqf"},
 {"op":"Replace","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber","value":"Eqpj"},
 {"op":"Add","path":"nickName","value":"Babs"}]}`),
    expected: {
      ...user,
      emails: [{ primary: true, type: "work", value: "new@contoso.com" }],
      name: { formatted: "givenName familyName", familyName: "Pkqf", givenName: "givenName" },
      nickName: "Babs",
      [ENT]: { employeeNumber: "Eqpj" },
    },
  },
  {
    name: "flag dialect update (path-less replace with dotted and URN keys)",
    body: JSON.parse(`{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[
 {"op":"replace","path":"emails[type eq \\"work\\"].value","value":"x@contoso.com"},
 {"op":"replace","value":{"displayName":"Bjfe","name.givenName":"Kkom","name.familyName":"Unua",
  "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber":"Aklq"}}]}`),
    expected: {
      ...user,
      emails: [{ primary: true, type: "work", value: "x@contoso.com" }],
      displayName: "Bjfe",
      name: { formatted: "givenName familyName", familyName: "Unua", givenName: "Kkom" },
      [ENT]: { employeeNumber: "Aklq" },
    },
  },
  {
    name: "disable, default dialect (string stays for the validator to coerce)",
    body: ops({ op: "Replace", path: "active", value: "False" }),
    expected: { ...user, active: "False" },
  },
  {
    name: "re-enable, default dialect",
    data: { ...user, active: false },
    body: ops({ op: "Replace", path: "active", value: "True" }),
    expected: { ...user, active: "True" },
  },
  {
    name: "disable, flag dialect",
    body: ops({ op: "replace", path: "active", value: false }),
    expected: { ...user, active: false },
  },
  {
    name: "re-enable, flag dialect",
    data: { ...user, active: false },
    body: ops({ op: "replace", path: "active", value: true }),
    expected: { ...user, active: true },
  },
  {
    name: "manager as a plain string on the full URN path",
    body: ops({ op: "Add", path: `${ENT}:manager`, value: "<manager id>" }),
    expected: { ...user, [ENT]: { manager: "<manager id>" } },
  },
  {
    name: "legacy manager: a one-element array on the bare path",
    body: ops({ op: "Add", path: "manager", value: [{ $ref: "...", value: "<id>" }] }),
    expected: { ...user, [ENT]: { manager: { $ref: "...", value: "<id>" } } },
  },
  {
    name: "manager changed via replace",
    data: withManager,
    body: ops({ op: "Replace", path: `${ENT}:manager`, value: "m2" }),
    expected: { ...user, [ENT]: { employeeNumber: "7", manager: "m2" } },
  },
  {
    name: "manager removed via replace with an empty string",
    data: withManager,
    body: ops({ op: "Replace", path: `${ENT}:manager`, value: "" }),
    expected: { ...user, [ENT]: { employeeNumber: "7" } },
  },
  {
    name: "last extension attribute cleared drops the URN key",
    data: { ...user, [ENT]: { manager: { value: "m1" } } },
    body: ops({ op: "replace", path: `${ENT}:manager`, value: "" }),
    expected: user,
  },
  {
    name: "'' clears an attribute",
    data: { ...user, title: "Boss" },
    body: ops({ op: "Replace", path: "title", value: "" }),
    expected: user,
  },
  {
    name: "null clears an attribute",
    data: { ...user, title: "Boss" },
    body: ops({ op: "Replace", path: "title", value: null }),
    expected: user,
  },
  {
    name: "null in a path-less value clears",
    data: { ...user, title: "Boss", nickName: "B" },
    body: ops({ op: "replace", value: { title: null, "name.givenName": "", nickName: "C" } }),
    expected: { ...user, nickName: "C", name: { formatted: "givenName familyName", familyName: "familyName" } },
  },
  {
    name: "'' on a filtered value removes that entry",
    body: ops({ op: "Replace", path: 'emails[type eq "work"].value', value: "" }),
    expected: { ...user, emails: undefined },
  },
  {
    name: "replace on a missing filtered entry creates it",
    body: ops({ op: "Replace", path: 'phoneNumbers[type eq "mobile"].value', value: "+1 555" }),
    expected: { ...user, phoneNumbers: [{ type: "mobile", value: "+1 555" }] },
  },
  {
    name: "replace on a missing address sub-attribute creates the address",
    body: ops({ op: "Replace", path: 'addresses[type eq "work"].streetAddress', value: "1 Main St" }),
    expected: { ...user, addresses: [{ type: "work", streetAddress: "1 Main St" }] },
  },
  {
    name: "'' on a missing filtered entry creates nothing",
    body: ops({ op: "Replace", path: 'phoneNumbers[type eq "mobile"].value', value: "" }),
    expected: user,
  },
  {
    name: "a sub-attribute path without filter sets it on every element",
    data: {
      ...user,
      phoneNumbers: [
        { type: "work", value: "1" },
        { type: "home", value: "2" },
      ],
    },
    body: ops({ op: "replace", path: "phoneNumbers.display", value: "x" }),
    expected: {
      ...user,
      phoneNumbers: [
        { type: "work", value: "1", display: "x" },
        { type: "home", value: "2", display: "x" },
      ],
    },
  },
  {
    name: "add on a filtered path behaves as replace",
    body: ops({ op: "Add", path: 'emails[type eq "work"].value', value: "a@contoso.com" }),
    expected: { ...user, emails: [{ primary: true, type: "work", value: "a@contoso.com" }] },
  },
  {
    name: "a filtered value is created next to other types",
    body: ops({ op: "Replace", path: 'emails[type eq "home"].value', value: "h@home.com" }),
    expected: {
      ...user,
      emails: [
        { primary: true, type: "work", value: "t1@testuser.com" },
        { type: "home", value: "h@home.com" },
      ],
    },
  },
  {
    name: "attribute and sub-attribute names are case-insensitive, output canonical",
    body: ops(
      { op: "replace", path: 'EMAILS[TYPE eq "WORK"].Value', value: "c@contoso.com" },
      { op: "replace", path: "NAME.GIVENNAME", value: "G" },
      { op: "replace", path: `${ENT.toUpperCase()}:EMPLOYEENUMBER`, value: "9" },
    ),
    expected: {
      ...user,
      emails: [{ primary: true, type: "work", value: "c@contoso.com" }],
      name: { formatted: "givenName familyName", familyName: "familyName", givenName: "G" },
      [ENT]: { employeeNumber: "9" },
    },
  },
  {
    name: "roles sent as JSON strings inside value are stored as sent",
    body: ops({ op: "Add", path: "roles", value: [{ value: '{"id":"r1","value":"Admin","displayName":"Admin"}' }] }),
    expected: { ...user, roles: [{ value: '{"id":"r1","value":"Admin","displayName":"Admin"}' }] },
  },
  {
    name: 'app role through roles[primary eq "True"].value (boolean-ish filter)',
    data: { ...user, roles: [{ primary: true, value: "Reader" }] },
    body: ops({ op: "Add", path: 'roles[primary eq "True"].value', value: "Admin" }),
    expected: { ...user, roles: [{ primary: true, value: "Admin" }] },
  },
  {
    name: "path-less junk from Entra: unknown URNs, unknown and readOnly attributes are ignored",
    body: ops({
      op: "replace",
      value: {
        schemas: ["x"],
        id: "evil",
        meta: { resourceType: "User" },
        groups: [{ value: "g" }],
        "urn:example:unknown:1.0:User:thing": "x",
        "urn:example:unknown:1.0:User": { thing: "x" },
        "not an attribute!": 1,
        bogus: 2,
        title: "T",
      },
    }),
    expected: { ...user, title: "T" },
  },
  {
    name: "paths into a schema URN the resource type does not declare are ignored, as path-less keys are",
    body: ops(
      { op: "add", path: "urn:example:ext:1.0:User:thing", value: "x" },
      { op: "remove", path: "urn:example:ext:1.0:User" },
      { op: "replace", path: "title", value: "Kept" },
    ),
    expected: { ...user, title: "Kept" },
  },
  {
    name: "path-less URN key holding an object of extension attributes",
    body: ops({ op: "add", value: { [ENT]: { Department: "Sales", manager: { value: "m9", displayName: "ro" } } } }),
    expected: { ...user, [ENT]: { department: "Sales", manager: { value: "m9" } } },
  },
  {
    name: "a path that is the extension URN takes an object of its attributes",
    body: ops({ op: "replace", path: ENT, value: { costCenter: "42" } }),
    expected: { ...user, [ENT]: { costCenter: "42" } },
  },
  {
    name: "remove of the whole extension",
    data: withManager,
    body: ops({ op: "remove", path: ENT }),
    expected: user,
  },
];

const groupCases: Case[] = [
  {
    name: "Entra adds several members",
    data: { displayName: "Sales" },
    body: JSON.parse(
      `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"Add","path":"members","value":[{"$ref":null,"value":"<user id>"},{"$ref":null,"value":"<user id 2>"}]}]}`,
    ),
    expected: { displayName: "Sales", members: [{ value: "<user id>" }, { value: "<user id 2>" }] },
  },
  {
    name: "adding an existing member again changes nothing",
    data: group,
    body: ops({ op: "Add", path: "members", value: [{ $ref: null, value: "u2" }] }),
    expected: group,
  },
  {
    name: "Entra default remove: only the listed members go",
    data: { displayName: "Sales", members: [{ value: "<id>" }, { value: "u2" }] },
    body: ops({ op: "Remove", path: "members", value: [{ $ref: null, value: "<id>" }] }),
    expected: { displayName: "Sales", members: [{ value: "u2" }] },
  },
  {
    name: "Entra flag remove with a value filter",
    data: { displayName: "Sales", members: [{ value: "<id>" }, { value: "u2" }] },
    body: ops({ op: "remove", path: 'members[value eq "<id>"]' }),
    expected: { displayName: "Sales", members: [{ value: "u2" }] },
  },
  {
    name: "Entra rename",
    data: group,
    body: ops({ op: "Replace", path: "displayName", value: "Sales EMEA" }),
    expected: { ...group, displayName: "Sales EMEA" },
  },
  {
    name: "RFC 7644 §3.5.2.1 add a member (readOnly display dropped)",
    data: { displayName: "Sales" },
    body: ops({
      op: "add",
      path: "members",
      value: [
        {
          display: "Babs Jensen",
          $ref: "https://example.com/v2/Users/2819c223-7f76-453a-919d-413861904646",
          value: "2819c223-7f76-453a-919d-413861904646",
        },
      ],
    }),
    expected: {
      displayName: "Sales",
      members: [
        {
          $ref: "https://example.com/v2/Users/2819c223-7f76-453a-919d-413861904646",
          value: "2819c223-7f76-453a-919d-413861904646",
        },
      ],
    },
  },
  {
    name: "RFC 7644 §3.5.2.2 remove all members",
    data: group,
    body: ops({ op: "remove", path: "members" }),
    expected: { displayName: "Sales" },
  },
  {
    name: "RFC 7644 §3.5.2.2 remove all members and add one",
    data: group,
    body: ops({ op: "remove", path: "members" }, { op: "add", path: "members", value: [{ value: "u9" }] }),
    expected: { displayName: "Sales", members: [{ value: "u9" }] },
  },
  {
    name: "RFC 7644 §3.5.2.3 replace all members",
    data: group,
    body: ops({ op: "replace", path: "members", value: [{ value: "u9" }, { value: "u8" }] }),
    expected: { displayName: "Sales", members: [{ value: "u9" }, { value: "u8" }] },
  },
  {
    name: "an immutable attribute may be added once",
    data: group,
    body: ops({ op: "add", path: "code", value: "C1" }),
    expected: { ...group, code: "C1" },
  },
];

const rfcUserCases: Case[] = [
  {
    name: "RFC 7644 §3.5.2.1 path-less add (nickname is canonicalised, emails appended)",
    body: ops({ op: "add", value: { emails: [{ value: "babs@jensen.org", type: "home" }], nickname: "Babs" } }),
    expected: {
      ...user,
      emails: [...(user.emails as unknown[]), { value: "babs@jensen.org", type: "home" }],
      nickName: "Babs",
    },
  },
  {
    name: "RFC 7644 §3.5.2.3 path-less replace (multi-valued replaced whole)",
    body: ops({
      op: "replace",
      value: {
        emails: [
          { value: "bjensen@example.com", type: "work", primary: true },
          { value: "babs@jensen.org", type: "home" },
        ],
        nickname: "Babs",
      },
    }),
    expected: {
      ...user,
      emails: [
        { value: "bjensen@example.com", type: "work", primary: true },
        { value: "babs@jensen.org", type: "home" },
      ],
      nickName: "Babs",
    },
  },
  {
    name: 'RFC 7644 §3.5.2.3 replace addresses[type eq "work"] with an object (merged)',
    data: {
      ...user,
      addresses: [
        { type: "work", locality: "Old", country: "US" },
        { type: "home", locality: "H" },
      ],
    },
    body: ops({
      op: "replace",
      path: 'addresses[type eq "work"]',
      value: {
        type: "work",
        streetAddress: "911 Universal City Plaza",
        locality: "Hollywood",
        region: "CA",
        postalCode: "91608",
        primary: true,
      },
    }),
    expected: {
      ...user,
      addresses: [
        {
          type: "work",
          streetAddress: "911 Universal City Plaza",
          locality: "Hollywood",
          region: "CA",
          postalCode: "91608",
          country: "US",
          primary: true,
        },
        { type: "home", locality: "H" },
      ],
    },
  },
  {
    name: 'RFC 7644 §3.5.2.3 replace addresses[type eq "work"].streetAddress',
    data: { ...user, addresses: [{ type: "work", streetAddress: "Old" }] },
    body: ops({ op: "replace", path: 'addresses[type eq "work"].streetAddress', value: "1010 Broadway Ave" }),
    expected: { ...user, addresses: [{ type: "work", streetAddress: "1010 Broadway Ave" }] },
  },
  {
    name: "RFC 7644 §3.5.2.2 remove with a complex filter",
    data: {
      ...user,
      emails: [
        { type: "work", value: "a@example.com" },
        { type: "work", value: "b@other.org" },
        { type: "home", value: "c@example.com" },
      ],
    },
    body: ops({ op: "remove", path: 'emails[type eq "work" and value ew "example.com"]' }),
    expected: {
      ...user,
      emails: [
        { type: "work", value: "b@other.org" },
        { type: "home", value: "c@example.com" },
      ],
    },
  },
  {
    name: "remove of a sub-attribute of matching elements",
    data: { ...user, addresses: [{ type: "work", streetAddress: "S", locality: "L" }] },
    body: ops({ op: "remove", path: 'addresses[type eq "work"].streetAddress' }),
    expected: { ...user, addresses: [{ type: "work", locality: "L" }] },
  },
  {
    name: "remove of a single-valued attribute and a missing one",
    data: { ...user, title: "T" },
    body: ops({ op: "remove", path: "title" }, { op: "remove", path: "nickName" }),
    expected: user,
  },
  {
    name: "remove of a sub-attribute",
    body: ops({ op: "remove", path: "name.formatted" }),
    expected: { ...user, name: { familyName: "familyName", givenName: "givenName" } },
  },
  {
    name: "add to a complex attribute merges its sub-attributes",
    body: ops({ op: "add", path: "name", value: { MiddleName: "M", givenName: "G2" } }),
    expected: { ...user, name: { formatted: "givenName familyName", familyName: "familyName", givenName: "G2", middleName: "M" } },
  },
  {
    name: "add of an equal value (case-insensitive) updates it; a new primary demotes the old",
    body: ops(
      { op: "add", path: "emails", value: [{ value: "T1@TESTUSER.COM", type: "work" }] },
      { op: "add", path: "emails", value: { value: "p@x.com", type: "other", primary: true } },
    ),
    expected: {
      ...user,
      emails: [
        { primary: false, type: "work", value: "T1@TESTUSER.COM" },
        { value: "p@x.com", type: "other", primary: true },
      ],
    },
  },
  {
    name: "operations apply in order",
    body: ops(
      { op: "add", path: "title", value: "A" },
      { op: "replace", path: "title", value: "B" },
      { op: "remove", path: "title" },
      { op: "add", path: "title", value: "C" },
    ),
    expected: { ...user, title: "C" },
  },
  {
    name: "externalId and writeOnly password can be set",
    body: ops({ op: "replace", path: "externalId", value: "e2" }, { op: "replace", path: "password", value: "pw" }),
    expected: { ...user, externalId: "e2", password: "pw" },
  },
];

// JSON drops undefined keys, so `emails: undefined` in an expectation means "absent".
const clean = (data: Data) => JSON.parse(JSON.stringify(data));

describe("applyPatch", () => {
  for (const table of [entraCases, groupCases, rfcUserCases]) {
    it.each(table)("$name", ({ data, type, body, expected }) => {
      const input = data ?? (table === groupCases ? group : user);
      expect(patch(input, body, type ?? (table === groupCases ? groupType : userResourceType))).toEqual(clean(expected));
    });
  }

  it("never mutates its input", () => {
    const input = structuredClone(withManager);
    patch(input, ops({ op: "replace", path: 'emails[type eq "work"].value', value: "z@z" }, { op: "remove", path: ENT }));
    expect(input).toEqual(withManager);
  });
});

interface ErrorCase {
  name: string;
  data?: Data;
  type?: ResourceTypeDef;
  body: unknown;
  status: number;
  scimType: string;
  detail?: RegExp;
}

const errorCases: ErrorCase[] = [
  { name: "body not an object", body: [], status: 400, scimType: "invalidSyntax" },
  { name: "schemas missing", body: { Operations: [{ op: "add", path: "title", value: "x" }] }, status: 400, scimType: "invalidSyntax" },
  {
    name: "wrong schema",
    body: { schemas: ["urn:ietf:params:scim:schemas:core:2.0:User"], Operations: [{ op: "add", path: "title", value: "x" }] },
    status: 400,
    scimType: "invalidSyntax",
  },
  { name: "Operations missing", body: { schemas: [PATCH] }, status: 400, scimType: "invalidSyntax" },
  { name: "Operations empty", body: ops(), status: 400, scimType: "invalidSyntax" },
  { name: "Operations not an array", body: { schemas: [PATCH], Operations: {} }, status: 400, scimType: "invalidSyntax" },
  {
    name: "too many operations",
    body: ops(...Array.from({ length: MAX_PATCH_OPERATIONS + 1 }, () => ({ op: "add", path: "title", value: "x" }))),
    status: 400,
    scimType: "invalidSyntax",
    detail: /at most 1000/,
  },
  { name: "operation not an object", body: ops("add"), status: 400, scimType: "invalidSyntax" },
  { name: "unknown op", body: ops({ op: "move", path: "title" }), status: 400, scimType: "invalidSyntax", detail: /move/ },
  { name: "op missing", body: ops({ path: "title", value: "x" }), status: 400, scimType: "invalidSyntax" },
  { name: "remove without path", body: ops({ op: "remove" }), status: 400, scimType: "noTarget" },
  { name: "add without value", body: ops({ op: "add", path: "title" }), status: 400, scimType: "invalidSyntax" },
  { name: "replace without value", body: ops({ op: "Replace", path: "title" }), status: 400, scimType: "invalidSyntax" },
  { name: "path not a string", body: ops({ op: "add", path: 5, value: "x" }), status: 400, scimType: "invalidPath" },
  { name: "malformed path", body: ops({ op: "add", path: 'emails[type eq "work"', value: "x" }), status: 400, scimType: "invalidPath" },
  { name: "unknown attribute", body: ops({ op: "add", path: "shoeSize", value: 4 }), status: 400, scimType: "invalidPath" },
  { name: "unknown sub-attribute", body: ops({ op: "add", path: "name.nick", value: "x" }), status: 400, scimType: "invalidPath" },
  { name: "readOnly id", body: ops({ op: "replace", path: "id", value: "x" }), status: 400, scimType: "mutability" },
  {
    name: "readOnly meta sub-attribute",
    body: ops({ op: "replace", path: "meta.created", value: "x" }),
    status: 400,
    scimType: "mutability",
  },
  { name: "readOnly groups", body: ops({ op: "add", path: "groups", value: [{ value: "g" }] }), status: 400, scimType: "mutability" },
  {
    name: "readOnly manager.displayName",
    body: ops({ op: "add", path: "manager.displayName", value: "x" }),
    status: 400,
    scimType: "mutability",
  },
  { name: "remove required userName", body: ops({ op: "remove", path: "userName" }), status: 400, scimType: "mutability" },
  { name: "clear required userName", body: ops({ op: "Replace", path: "userName", value: "" }), status: 400, scimType: "mutability" },
  {
    name: "filter on a single-valued attribute",
    body: ops({ op: "replace", path: 'name[givenName eq "x"]', value: {} }),
    status: 400,
    scimType: "invalidPath",
  },
  {
    name: "filter naming an unknown sub-attribute",
    body: ops({ op: "replace", path: 'emails[kind eq "work"].value', value: "x" }),
    status: 400,
    scimType: "invalidPath",
  },
  {
    name: "nested value filter",
    body: ops({ op: "remove", path: 'emails[type[value eq "x"]]' }),
    status: 400,
    scimType: "invalidFilter",
  },
  {
    name: "ordering a boolean",
    body: ops({ op: "remove", path: "emails[primary gt true]" }),
    status: 400,
    scimType: "invalidFilter",
  },
  {
    name: "no match and a filter that cannot describe a new element",
    body: ops({ op: "replace", path: 'emails[type eq "home" or type eq "other"].value', value: "x" }),
    status: 400,
    scimType: "noTarget",
  },
  { name: "path-less value not an object", body: ops({ op: "replace", value: "x" }), status: 400, scimType: "invalidValue" },
  {
    name: "value path without sub-attribute needs an object",
    body: ops({ op: "replace", path: 'emails[type eq "work"]', value: "x" }),
    status: 400,
    scimType: "invalidValue",
  },
  {
    name: "several values for a single-valued attribute",
    body: ops({ op: "add", path: "manager", value: [{ value: "a" }, { value: "b" }] }),
    status: 400,
    scimType: "invalidValue",
  },
  {
    name: "changing an immutable attribute",
    data: { ...group, code: "C1" },
    type: groupType,
    body: ops({ op: "replace", path: "code", value: "C2" }),
    status: 400,
    scimType: "mutability",
  },
  {
    name: "removing the required group displayName",
    data: group,
    type: groupType,
    body: ops({ op: "remove", path: "displayName" }),
    status: 400,
    scimType: "mutability",
  },
];

describe("PATCH errors", () => {
  it.each(errorCases)("$name -> $status $scimType", ({ data, type, body, status, scimType, detail }) => {
    let caught: unknown;
    try {
      patch(data ?? user, body, type);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ScimError);
    expect((caught as ScimError).status).toBe(status);
    expect((caught as ScimError).scimType).toBe(scimType);
    if (detail) expect((caught as ScimError).message).toMatch(detail);
  });
});

describe("normalisePatchRequest", () => {
  it("accepts op names and member names in any case, and a lower-case schema URN", () => {
    expect(
      normalisePatchRequest({
        SCHEMAS: [PATCH.toLowerCase()],
        operations: [
          { OP: "REPLACE", Path: "name.givenName", VALUE: "x" },
          { op: "Remove", path: 'emails[type eq "work"]' },
        ],
      }),
    ).toEqual([
      { op: "replace", path: { path: { attr: "name", sub: "givenName" } }, value: "x" },
      { op: "remove", path: { path: { attr: "emails" }, filter: { op: "eq", path: { attr: "type" }, value: "work" } } },
    ]);
  });

  it("keeps a null value and treats an empty path as absent", () => {
    expect(normalisePatchRequest(ops({ op: "replace", path: "", value: null }))).toEqual([{ op: "replace", value: null }]);
  });
});

const emailSubs = findAttribute(userSchema.attributes, "emails")?.subAttributes ?? [];
const matchCases: [string, Data, boolean][] = [
  ['type eq "work"', { type: "Work" }, true],
  ['TYPE eq "work"', { type: "work" }, true],
  ['type eq "work"', { type: "home" }, false],
  ['type ne "work"', { type: "home" }, true],
  ['type ne "work"', {}, true],
  ['value co "@EXAMPLE"', { value: "a@example.com" }, true],
  ['value sw "A@"', { value: "a@example.com" }, true],
  ['value ew ".org"', { value: "a@example.com" }, false],
  ['value gt "b"', { value: "c" }, true],
  ['value ge "c"', { value: "C" }, true],
  ['value lt "b"', { value: "c" }, false],
  ['value le "c"', { value: "c" }, true],
  ["type pr", { type: "work" }, true],
  ["type pr", { type: "" }, false],
  ["type pr", {}, false],
  ["primary eq true", { primary: "True" }, true],
  ['primary eq "True"', { primary: true }, true],
  ['primary eq "false"', { primary: true }, false],
  ["primary eq false", { primary: false }, true],
  ['type eq "work" and primary eq true', { type: "work", primary: true }, true],
  ['type eq "work" and primary eq true', { type: "work" }, false],
  ['type eq "work" or type eq "home"', { type: "home" }, true],
  ['not (type eq "work")', { type: "home" }, true],
  ["display eq null", {}, true],
];

describe("matchesFilter", () => {
  it.each(matchCases)("%s on %j -> %s", (filter, element, expected) => {
    expect(matchesFilter(parseFilter(filter), element, emailSubs)).toBe(expected);
  });

  it("compares caseExact sub-attributes exactly", () => {
    const subs = [string("value", { caseExact: true })];
    expect(matchesFilter(parseFilter('value eq "ABC"'), { value: "abc" }, subs)).toBe(false);
    expect(matchesFilter(parseFilter('value eq "abc"'), { value: "abc" }, subs)).toBe(true);
  });

  it("reads an unquoted value by the sub-attribute's type, as the SQL compiler does", () => {
    const subs = [string("value"), { ...string("when"), type: "dateTime" as const }];
    expect(matchesFilter(parseFilter("value eq 007"), { value: "007" }, subs)).toBe(true);
    expect(matchesFilter(parseFilter("value eq 007"), { value: "7" }, subs)).toBe(false);
    expect(matchesFilter(parseFilter("value sw Wor"), { value: "work" }, subs)).toBe(true);
    expect(matchesFilter(parseFilter("when gt 2024-01-01T00:00:00Z"), { when: "2024-01-02T00:00:00Z" }, subs)).toBe(true);
  });

  it("orders numbers and dateTimes by value", () => {
    const subs = [attribute("n", "integer"), { ...string("when"), type: "dateTime" as const }];
    expect(matchesFilter(parseFilter("n gt 9"), { n: 10 }, subs)).toBe(true);
    expect(matchesFilter(parseFilter('when lt "2024-01-02T00:00:00Z"'), { when: "2024-01-01T23:00:00-02:00" }, subs)).toBe(false);
  });
});
