import type { Context } from "hono";
import { database } from "../db/client.ts";
import { firstMembers, memberPage } from "../db/groups.ts";
import type { AppEnv } from "../env.ts";
import { scimBase } from "../http/respond.ts";
import { type Projection, project, returnedSubAttributes } from "../scim/projection.ts";
import { MEMBER_SUB_ATTRIBUTES, type MemberSource, type ResourceBody } from "../scim/resource-json.ts";
import type { ResourceTypeDef } from "../scim/schema/resource-type.ts";
import { type StoredResource, toScim } from "../scim/serialize.ts";

// Turning stored resources into response bodies, shared by the resource routes and search.

const GROUP_FIELDS = ["value", "$ref", "display", "type"];

/**
 * Users with their read-only groups attribute (RFC 7643 §4.1.2), read with their rows
 * (db/users.ts), unless the projection drops it.
 */
export const userBodies = (c: Context<AppEnv>, list: StoredResource[], projection: Projection): ResourceBody[] =>
  usersAsScim(list, c.var.types.User, scimBase(c), projection);

/** The same bodies, for a caller outside a SCIM request (the console): the type and base given. */
export function usersAsScim(list: StoredResource[], type: ResourceTypeDef, base: string, projection: Projection): ResourceBody[] {
  const fields = returnedSubAttributes(projection, type, "groups", GROUP_FIELDS);
  return list.map((user) => {
    const resource = toScim(user, type, base);
    if (fields && user.memberships?.length) {
      resource.groups = user.memberships.map((m) => ({
        value: m.groupId,
        $ref: `${base}/Groups/${m.groupId}`,
        display: m.display,
        type: "direct",
      }));
    }
    return { resource: project(resource, projection, type) };
  });
}

/**
 * Groups render without members here; their members stream from `memberSource` when written out,
 * unless the write that answers with the group knows them.
 */
export function groupBodies(c: Context<AppEnv>, list: StoredResource[], projection: Projection): ResourceBody[] {
  const base = scimBase(c);
  const type = c.var.types.Group;
  const memberFields = returnedSubAttributes(projection, type, "members", MEMBER_SUB_ATTRIBUTES);
  return list.map((group) => {
    const { members, ...stored } = group;
    return { resource: project(toScim(stored, type, base), projection, type), memberFields, ...(members ? { members } : {}) };
  });
}

export function memberSource(c: Context<AppEnv>): MemberSource {
  const db = database(c.env.DB);
  return {
    page: (id, after, limit) => memberPage(db, c.var.tenant, id, after, limit),
    first: (ids, limit) => firstMembers(db, c.var.tenant, ids, limit),
  };
}
