import { sql } from "drizzle-orm";
import { findGroup, groupStorage, listGroups } from "../db/groups.ts";
import { groups as groupsTable } from "../db/schema.ts";
import { groupResourceType } from "../scim/schema/resource-type.ts";
import { groupBodies } from "./render.ts";
import { type ResourceStore, resourceRoutes } from "./resource-routes.ts";

export const groupStore: ResourceStore = {
  type: groupResourceType,
  storage: groupStorage,
  id: sql`${groupsTable.id}`,
  list: listGroups,
  find: findGroup,
  enabled: (config) => config.settings.groupsEnabled,
  bodies: groupBodies,
  patchAnswersNoContent: true,
};

export const groups = resourceRoutes(groupStore);
