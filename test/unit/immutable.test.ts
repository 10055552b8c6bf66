import { describe, expect, it } from "vitest";
import { keepImmutable } from "../../src/scim/immutable.ts";
import { attribute, string } from "../../src/scim/schema/attribute.ts";
import { type ResourceTypeDef, userResourceType } from "../../src/scim/schema/resource-type.ts";

const EXT = "urn:example:immutable:User";
const type: ResourceTypeDef = {
  ...userResourceType,
  extensions: [
    {
      required: false,
      schema: {
        id: EXT,
        name: "Immutable",
        description: "",
        attributes: [
          string("badges", { mutability: "immutable", multiValued: true }),
          attribute("level", "integer", { mutability: "immutable" }),
          string("note"),
        ],
      },
    },
  ],
};
const stored = { userName: "a", [EXT]: { badges: ["B1", "b2"], level: 3, note: "x" } };

describe("keepImmutable", () => {
  it("accepts the stored values in any order and case (caseExact false), keeping the stored spelling", () => {
    const next = keepImmutable(type, stored, { userName: "a", [EXT]: { badges: ["B2", "b1"], level: 3, note: "y" } });
    expect(next[EXT]).toEqual({ badges: ["B1", "b2"], level: 3, note: "y" });
  });

  it.each([
    ["a value added to a multi-valued one", { badges: ["B1", "b2", "b3"] }],
    ["a value dropped from a multi-valued one", { badges: ["B1"] }],
    ["another number", { level: 4 }],
  ])("refuses %s with mutability", (_name, values) => {
    expect(() => keepImmutable(type, stored, { userName: "a", [EXT]: values })).toThrowError(/immutable/);
  });

  it("keeps stored values the request leaves out, and lets it set values nothing holds yet", () => {
    expect(keepImmutable(type, stored, { userName: "a" })[EXT]).toEqual({ badges: ["B1", "b2"], level: 3 });
    expect(keepImmutable(type, { userName: "a" }, { userName: "a", [EXT]: { level: 7 } })[EXT]).toEqual({ level: 7 });
  });
});
