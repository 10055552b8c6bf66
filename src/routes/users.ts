import { sql } from "drizzle-orm";
import { users as usersTable } from "../db/schema.ts";
import { findUser, listUsers, userStorage } from "../db/users.ts";
import { userResourceType } from "../scim/schema/resource-type.ts";
import { userBodies } from "./render.ts";
import { type ResourceStore, resourceRoutes } from "./resource-routes.ts";

export const userStore: ResourceStore = {
  type: userResourceType,
  storage: userStorage,
  id: sql`${usersTable.id}`,
  list: listUsers,
  find: findUser,
  enabled: () => true,
  relation: "groups",
  bodies: userBodies,
  patchAnswersNoContent: false,
};

export const users = resourceRoutes(userStore);
