import { describe, expect, it } from "vitest";
import { ScimError } from "../../src/scim/errors.ts";
import { referencedMembers, splitMemberOperations } from "../../src/scim/patch/members.ts";
import { normalisePatchRequest } from "../../src/scim/patch/normalise.ts";

const PATCH = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
const split = (...Operations: unknown[]) => splitMemberOperations(normalisePatchRequest({ schemas: [PATCH], Operations }));

describe("splitMemberOperations", () => {
  it.each([
    [
      "Entra's Add of several members",
      {
        op: "Add",
        path: "members",
        value: [
          { $ref: null, value: "u1" },
          { $ref: null, value: "u2" },
        ],
      },
      [{ kind: "add", members: [{ value: "u1" }, { value: "u2" }] }],
    ],
    [
      "Entra's default-dialect Remove of listed members",
      { op: "Remove", path: "members", value: [{ $ref: null, value: "u1" }] },
      [{ kind: "remove", ids: ["u1"] }],
    ],
    [
      "the flag dialect's remove by value filter",
      { op: "remove", path: 'members[value eq "u1"]' },
      [{ kind: "removeWhere", filter: { op: "eq", path: { attr: "value" }, value: "u1" } }],
    ],
    ["remove of the whole attribute", { op: "remove", path: "members" }, [{ kind: "removeAll" }]],
    [
      "replace of the whole set, with types",
      {
        op: "replace",
        path: "Members",
        value: [
          { value: "g1", type: "group" },
          { value: "u1", type: "User" },
        ],
      },
      [
        {
          kind: "replace",
          members: [
            { value: "g1", type: "Group" },
            { value: "u1", type: "User" },
          ],
        },
      ],
    ],
    ["replace with an empty set", { op: "replace", path: "members", value: [] }, [{ kind: "replace", members: [] }]],
    ["a single member object", { op: "add", path: "members", value: { value: "u9" } }, [{ kind: "add", members: [{ value: "u9" }] }]],
  ])("turns %s into row intents", (_label, op, intents) => {
    const { attributeOps, memberIntents } = split(op);
    expect(attributeOps).toEqual([]);
    expect(memberIntents).toEqual(intents);
  });

  it("separates members from other attributes in a path-less value, keeping order", () => {
    const { attributeOps, memberIntents } = split(
      { op: "replace", value: { displayName: "Renamed", members: [{ value: "u1" }] } },
      { op: "add", path: "members", value: [{ value: "u2" }] },
      { op: "Replace", path: "displayName", value: "Again" },
    );
    expect(attributeOps).toEqual([
      { op: "replace", value: { displayName: "Renamed" } },
      { op: "replace", path: { path: { attr: "displayName" } }, value: "Again" },
    ]);
    expect(memberIntents).toEqual([
      { kind: "replace", members: [{ value: "u1" }] },
      { kind: "add", members: [{ value: "u2" }] },
    ]);
    expect(referencedMembers(memberIntents)).toEqual(["u1", "u2"]);
  });

  it.each([
    ["a member without a value", { op: "add", path: "members", value: [{ display: "x" }] }, "invalidValue"],
    ["a member value that is not a string", { op: "add", path: "members", value: [{ value: 5 }] }, "invalidValue"],
    ["a filtered replace", { op: "replace", path: 'members[value eq "u1"]', value: { value: "u2" } }, "invalidPath"],
    ["a sub-attribute path", { op: "replace", path: "members.value", value: "u2" }, "invalidPath"],
  ])("refuses %s", (_label, op, scimType) => {
    try {
      split(op);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ScimError);
      expect((error as ScimError).scimType).toBe(scimType);
    }
  });
});
