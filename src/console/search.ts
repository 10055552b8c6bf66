import { type Database, TENANT } from "../db/client.ts";
import { prepareList } from "../http/query.ts";
import type { ResourceStore } from "../routes/resource-routes.ts";
import { ScimError } from "../scim/errors.ts";
import type { ResourceTypeDef } from "../scim/schema/resource-type.ts";
import type { SearchOutcome } from "./views/resources.tsx";

// Users and groups searched with a SCIM filter through the same compiler and statements as
// GET /Users?filter= (routes/resource-routes.ts), so the console finds exactly what Entra would.

const PAGE = "100";

export async function searchResources(
  db: Database,
  tenant: string,
  store: ResourceStore,
  type: ResourceTypeDef,
  filter: string,
): Promise<SearchOutcome> {
  try {
    const { query } = prepareList({ filter: filter || undefined, count: PAGE }, store.storage(TENANT, type), store.id);
    const { total, resources } = await store.list(db, tenant, query, false);
    return { ok: true, total, resources };
  } catch (error) {
    // A filter Entra would get a 400 for is the operator's typo here: said on the page, not a 500.
    if (error instanceof ScimError && error.status === 400) return { ok: false, error: error.message };
    throw error;
  }
}
