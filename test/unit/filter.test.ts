import { SQLiteSyncDialect } from "drizzle-orm/sqlite-core";
import { describe, expect, it } from "vitest";
import { userStorage } from "../../src/db/users.ts";
import { ScimError } from "../../src/scim/errors.ts";
import { compileFilter } from "../../src/scim/filter/compile.ts";
import { parseFilter, parsePatchPath } from "../../src/scim/filter/parse.ts";

const eq = (attr: string, value: unknown, extra: object = {}) => ({ op: "eq", path: { attr, ...extra }, value });

describe("parseFilter", () => {
  it.each([
    ['userName eq "bjensen"', eq("userName", "bjensen")],
    ['UserName EQ "a \\"quoted\\" name"', eq("UserName", 'a "quoted" name')],
    ['name.familyName co "O\'Malley"', { op: "co", path: { attr: "name", sub: "familyName" }, value: "O'Malley" }],
    [
      'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department eq "R&D"',
      eq("department", "R&D", { uri: "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User" }),
    ],
    ["active eq true", { ...eq("active", true), unquoted: "true" }],
    ["x eq 4.5", { ...eq("x", 4.5), unquoted: "4.5" }],
    ["x eq null", eq("x", null)],
    // Microsoft's reference collection: unquoted words, kept as written for the compiler to type.
    ["userName sw O", { op: "sw", path: { attr: "userName" }, value: "O", unquoted: "O" }],
    [
      "meta.created gt 2020-01-01T00:00:00Z",
      { op: "gt", path: { attr: "meta", sub: "created" }, value: "2020-01-01T00:00:00Z", unquoted: "2020-01-01T00:00:00Z" },
    ],
    [
      "userName eq a@x.com or title eq Boss",
      { op: "or", left: { ...eq("userName", "a@x.com"), unquoted: "a@x.com" }, right: { ...eq("title", "Boss"), unquoted: "Boss" } },
    ],
    ["title pr", { op: "pr", path: { attr: "title" } }],
    [
      'emails[type eq "work" and value co "@x.com"]',
      {
        op: "has",
        path: { attr: "emails" },
        filter: { op: "and", left: eq("type", "work"), right: { op: "co", path: { attr: "value" }, value: "@x.com" } },
      },
    ],
    [
      'emails[type eq "work"].value eq "a@x.com"',
      { op: "has", path: { attr: "emails" }, filter: { op: "and", left: eq("type", "work"), right: eq("value", "a@x.com") } },
    ],
    [
      'a eq "1" or b eq "2" and not (c eq "3")',
      { op: "or", left: eq("a", "1"), right: { op: "and", left: eq("b", "2"), right: { op: "not", filter: eq("c", "3") } } },
    ],
    [
      '(a eq "1" or b eq "2") and c eq "3"',
      { op: "and", left: { op: "or", left: eq("a", "1"), right: eq("b", "2") }, right: eq("c", "3") },
    ],
  ])("parses %s", (text, expected) => {
    expect(parseFilter(text)).toEqual(expected);
  });

  it.each([
    ["", "empty filter"],
    ["userName", "expected an operator"],
    ['userName eq "x', "unterminated string"],
    ["userName eq and", "found the operator 'and'"],
    ['userName eq OR title eq "x"', "found the operator 'OR'"],
    ["userName eq not", "found the operator 'not'"],
    ['userName like "x"', "unknown operator"],
    ['(userName eq "x"', "expected ')'"],
    ['userName eq "x" userName', "unexpected input"],
    ['emails[type eq "work"', "expected ']'"],
    ['userName eq "x" & y', "unexpected character"],
    ["a.b.c eq 1", "not a valid attribute path"],
    [`${"(".repeat(40)}a eq 1${")".repeat(40)}`, "nested deeper"],
  ])("refuses %j with invalidFilter (%s)", (text, message) => {
    try {
      parseFilter(text);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ScimError);
      expect((error as ScimError).scimType).toBe("invalidFilter");
      expect((error as ScimError).message).toContain(message);
    }
  });

  it("parses PATCH paths with the same grammar", () => {
    expect(parsePatchPath('emails[type eq "work"].value')).toEqual({
      path: { attr: "emails" },
      filter: eq("type", "work"),
      sub: "value",
    });
    expect(parsePatchPath('members[value eq "u1"]')).toEqual({ path: { attr: "members" }, filter: eq("value", "u1") });
    expect(() => parsePatchPath("emails[")).toThrowError(ScimError);
  });
});

describe("compileFilter", () => {
  const dialect = new SQLiteSyncDialect();
  const compile = (text: string) => dialect.sqlToQuery(compileFilter(parseFilter(text), userStorage("tenant-a")));

  it.each([
    ['userName eq "Bob"', 'lower("users"."user_name") = lower(?)', ["Bob"]],
    ['externalId eq "X1"', '"users"."external_id" = ?', ["X1"]],
    ['displayName sw "Bo"', 'substr(lower("users"."display_name"), 1, length(lower(?)))', ["Bo", "Bo"]],
    ["active eq false", '"users"."active" = ?', [0]],
    ['meta.lastModified gt "2026-01-01T00:00:00Z"', '"users"."last_modified" > ?', ["2026-01-01T00:00:00.000Z"]],
    // Unquoted values, read by the attribute's declared type.
    ["userName sw O", 'substr(lower("users"."user_name"), 1, length(lower(?)))', ["O", "O"]],
    ["name.familyName eq 007", "json_extract", ["$.name.familyName", "007"]],
    ["externalId eq True", '"users"."external_id" = ?', ["True"]],
    ["meta.created gt 2020-01-01T00:00:00Z", '"users"."created" > ?', ["2020-01-01T00:00:00.000Z"]],
    ["active eq TRUE", '"users"."active" = ?', [1]],
    ['nickName co "b"', 'instr(lower(json_extract("users"."data", ?)), lower(?))', ["$.nickName", "b"]],
    ['emails.value eq "a@x.com"', '"users"."id" IN (SELECT "user_emails"."user_id"', ["tenant-a", "a@x.com"]],
    ['phoneNumbers[type eq "mobile"].value pr', "EXISTS (SELECT 1 FROM json_each", ["$.phoneNumbers", "$.type", "mobile", "$.value"]],
    [
      'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department eq "R&D"',
      'json_extract("users"."data", ?)',
      ['$."urn:ietf:params:scim:schemas:extension:enterprise:2.0:User".department', "R&D"],
    ],
  ])("compiles %s to parameterised SQL", (text, fragment, params) => {
    const query = compile(text);
    expect(query.sql).toContain(fragment);
    expect(query.params).toEqual(params);
  });

  it("never puts a value into the SQL text", () => {
    const hostile = `userName eq "x' OR 1=1 --" or emails.value co "'); DROP TABLE users; --"`;
    const query = compile(hostile);
    expect(query.sql).not.toContain("DROP");
    expect(query.sql).not.toContain("1=1");
    expect(query.params).toContain("x' OR 1=1 --");
  });

  it.each([
    ['nosuch eq "x"', "unknown attribute"],
    ['name eq "x"', "complex"],
    ['password eq "x"', "cannot be filtered"],
    ["active gt true", "does not apply"],
    ['active eq "maybe"', "boolean"],
    ['meta.created gt "yesterday"', "dateTime"],
    ["active eq yes", "boolean"],
    ["meta.created gt yesterday", "dateTime"],
    ['emails[nosuch eq "x"]', "unknown sub-attribute"],
    ['emails[type eq "work" and phoneNumbers[type eq "x"]]', "nested"],
  ])("refuses %s with invalidFilter (%s)", (text, message) => {
    expect(() => compile(text)).toThrowError(message);
    try {
      compile(text);
    } catch (error) {
      expect((error as ScimError).scimType).toBe("invalidFilter");
    }
  });
});
