import { describe, expect, it } from "vitest";
import { parseProjection, project } from "../../src/scim/projection.ts";
import { string } from "../../src/scim/schema/attribute.ts";
import { type ResourceTypeDef, userResourceType } from "../../src/scim/schema/resource-type.ts";

// A User type whose extension has one attribute of each "returned" kind (RFC 7643 §7).
const EXT = "urn:example:params:scim:schemas:extension:test:2.0:User";
const type: ResourceTypeDef = {
  ...userResourceType,
  extensions: [
    ...userResourceType.extensions,
    {
      required: false,
      schema: {
        id: EXT,
        name: "Test",
        description: "returned kinds",
        attributes: [
          string("shown"),
          string("onRequest", { returned: "request" }),
          string("secret", { returned: "never" }),
          string("badge", { returned: "always" }),
        ],
      },
    },
  ],
};

const resource = {
  schemas: ["urn:ietf:params:scim:schemas:core:2.0:User", EXT],
  id: "u1",
  userName: "a",
  [EXT]: { shown: "1", onRequest: "2", secret: "3", badge: "4" },
  meta: { resourceType: "User" },
};

describe("project honours returned", () => {
  it("hides request and never attributes by default and under excludedAttributes", () => {
    expect(project(resource, parseProjection(), type)[EXT]).toEqual({ shown: "1", badge: "4" });
    expect(project(resource, parseProjection(undefined, "userName"), type)[EXT]).toEqual({ shown: "1", badge: "4" });
  });

  it("returns a request attribute when named, never a never attribute", () => {
    const named = project(resource, parseProjection(`${EXT}:onRequest,${EXT}:secret,userName`), type);
    expect(named).toEqual({ schemas: resource.schemas, id: "u1", userName: "a", [EXT]: { onRequest: "2", badge: "4" } });
  });

  it("always returns id, even when excluded", () => {
    expect(project(resource, parseProjection(undefined, "id,userName"), type).id).toBe("u1");
  });

  it("returns an always attribute whatever attributes or excludedAttributes say", () => {
    expect(project(resource, parseProjection("userName"), type)).toEqual({
      schemas: resource.schemas,
      id: "u1",
      userName: "a",
      [EXT]: { badge: "4" },
    });
    expect(project(resource, parseProjection(`${EXT}:shown`), type)[EXT]).toEqual({ shown: "1", badge: "4" });
    expect(project(resource, parseProjection(undefined, `${EXT}:badge`), type)[EXT]).toEqual({ shown: "1", badge: "4" });
    expect(project(resource, parseProjection(undefined, EXT), type)[EXT]).toEqual({ badge: "4" });
  });
});

describe("value filters in attributes", () => {
  const user = {
    ...resource,
    emails: [
      { type: "work", value: "a@work.com" },
      { type: "home", value: "a@home.org" },
    ],
    nickName: "n",
  };

  it("name their attribute, with every element, as Microsoft's reference collection means them", () => {
    expect(parseProjection('emails[type eq "work" or value co ","],nickName')).toEqual({
      attributes: ['emails[type eq "work" or value co ","]', "nickName"],
      excludedAttributes: undefined,
    });
    expect(project(user, parseProjection('emails[type eq "work"]'), type)).toEqual({
      schemas: user.schemas,
      id: "u1",
      emails: user.emails,
      [EXT]: { badge: "4" },
    });
    expect(project(user, parseProjection('emails[type eq "work"].value'), type).emails).toEqual([
      { value: "a@work.com" },
      { value: "a@home.org" },
    ]);
    expect(project(user, parseProjection(undefined, 'emails[type eq "work"]'), type).emails).toBeUndefined();
  });
});
