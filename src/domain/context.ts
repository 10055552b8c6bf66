import type { Database } from "../db/client.ts";
import type { ResourceTypeDef } from "../scim/schema/resource-type.ts";
import type { RateRule } from "../ratelimit/bucket.ts";
import type { DeleteMode, ExtensionDef } from "../tenancy/config.ts";
import type { RecentWrites } from "./recent.ts";
import type { WriteLog } from "../requests/record.ts";

/** What the Worker sends the tenant's writer with each write: the tenant's schemas and policy. */
export interface WritePolicy {
  extensions: ExtensionDef[];
  allowedDomains: string[];
  deleteMode: DeleteMode;
  /** The tenant's rate, counted by its writer across all isolates. */
  rate: RateRule;
  /** The tenant has an active webhook endpoint (TenantConfig.webhooks). */
  webhooks?: boolean;
}

/** Everything a write needs, built by the writer for each call. */
export interface WriteContext {
  db: Database;
  tenant: string;
  /** The tenant's resource type (built-in schemas plus its extensions). */
  type: ResourceTypeDef;
  policy: WritePolicy;
  /** The writer's memory of the users it wrote last (domain/recent.ts). */
  recentUsers: RecentWrites;
  /** The password hashes the Worker put in this write's data or operations (domain/passwords.ts). */
  hashedPasswords: readonly string[];
  /** The request's provisioning-log row, for the write's statement to record (`received`: when the writer got the call). */
  log?: { entry: WriteLog; received: number };
}
