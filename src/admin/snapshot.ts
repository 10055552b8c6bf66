import { type Database, database, type Statement } from "../db/client.ts";
import { groupRows, groupsStored, tenantState, userRows, usersStored } from "../db/admin.ts";
import { memberPage } from "../db/groups.ts";
import type { Env } from "../env.ts";
import { ttlCache } from "../lib/ttl-cache.ts";
import { project } from "../scim/projection.ts";
import type { MemberRow } from "../scim/resource-json.ts";
import type { ResourceTypeDef } from "../scim/schema/resource-type.ts";
import { type StoredResource, toScim } from "../scim/serialize.ts";
import type { ScimData } from "../scim/validate.ts";
import { loadTenantConfig, type TenantConfig } from "../tenancy/config.ts";
import { tenantResourceTypes, type TenantTypes } from "../tenancy/resource-types.ts";
import { decodeCursor, encodeCursor } from "./cursor.ts";
import { AdminError, noSuchTenant } from "./errors.ts";

// The snapshot a consumer backfills from before it follows the feed (README: Admin API). Each page
// is read in one D1 batch with the tenant's feed position, so the first page's asOfSeq dates what
// it read exactly; later pages may already show writes after asOfSeq, which replaying the events
// after asOfSeq (whole resources) makes harmless.

export interface SnapshotPage<T> {
  data: T[];
  nextCursor: string | null;
  asOfSeq: number;
}

export interface SnapshotRequest {
  env: Env;
  tenant: string;
}

export interface PageRequest extends SnapshotRequest {
  limit: number;
  cursor?: string;
}

type UserRow = Parameters<typeof usersStored>[0][number];
type GroupRow = Parameters<typeof groupsStored>[0][number];

// Resources render with the tenant's extensions, cached as long as the SCIM routes cache them.
const configs = ttlCache<TenantConfig>();
async function typesOf(env: Env, tenant: string): Promise<TenantTypes> {
  const config = await configs(tenant, Number(env.CONFIG_CACHE_SECONDS) * 1000, () => loadTenantConfig(database(env.DB), tenant));
  return tenantResourceTypes(config.extensions);
}

/**
 * A resource as GET returns it, and as events carry it (events/record.ts): without a user's computed
 * `groups` and a group's `members`, which member events and /groups/{id}/members carry, and without
 * meta.location, which depends on the host a SCIM client called.
 */
const renderer = (type: ResourceTypeDef) => (resource: StoredResource) => {
  const { meta, ...rest } = project(toScim(resource, type, ""), {}, type);
  const { location: _, ...kept } = meta as Record<string, unknown>;
  return { ...rest, meta: kept };
};

/** The tenant's position and the statements' rows, in one batch; 404 for a tenant that does not exist. */
async function readDated(env: Env, tenant: string, statements: Statement[]): Promise<{ lastSeq: number; results: unknown[][] }> {
  const db = database(env.DB);
  const [states, ...results] = (await db.batch([tenantState(db, tenant), ...statements] as [Statement, ...Statement[]])) as unknown[][];
  const state = states[0] as { lastSeq: number } | undefined;
  if (!state) throw noSuchTenant(tenant);
  return { lastSeq: state.lastSeq, results };
}

/** Keyset pagination by id: `limit` + 1 rows tell whether another page follows. */
async function keysetPage<Row>(
  req: PageRequest,
  kind: string,
  rows: (after: string, limit: number) => Statement,
  idOf: (row: Row) => string,
  guards: Statement[] = [],
): Promise<SnapshotPage<Row> & { guarded: unknown[][] }> {
  const cursor = req.cursor === undefined ? undefined : decodeCursor(req.cursor, req.tenant, kind);
  const { lastSeq, results } = await readDated(req.env, req.tenant, [...guards, rows(cursor?.after ?? "", req.limit + 1)]);
  const found = results[results.length - 1] as Row[];
  const data = found.slice(0, req.limit);
  const asOfSeq = cursor?.asOfSeq ?? lastSeq;
  const nextCursor =
    found.length > req.limit ? encodeCursor({ tenant: req.tenant, kind, asOfSeq, after: idOf(data[data.length - 1]) }) : null;
  return { data, nextCursor, asOfSeq, guarded: results.slice(0, -1) };
}

/** Where a resource type's snapshot reads from and how it renders. */
interface ResourceSource<Row> {
  kind: "users" | "groups";
  type: "User" | "Group";
  rows: (db: Database, tenant: string, after: string, limit: number, id?: string) => Statement;
  stored: (rows: Row[]) => StoredResource[];
}

const USERS: ResourceSource<UserRow> = { kind: "users", type: "User", rows: userRows, stored: usersStored };
const GROUPS: ResourceSource<GroupRow> = { kind: "groups", type: "Group", rows: groupRows, stored: groupsStored };

async function resourcesPage<Row extends { id: string }>(req: PageRequest, source: ResourceSource<Row>): Promise<SnapshotPage<ScimData>> {
  const db = database(req.env.DB);
  const [types, { guarded: _, ...page }] = await Promise.all([
    typesOf(req.env, req.tenant),
    keysetPage<Row>(
      req,
      source.kind,
      (after, limit) => source.rows(db, req.tenant, after, limit),
      (row) => row.id,
    ),
  ]);
  return { ...page, data: source.stored(page.data).map(renderer(types[source.type])) };
}

async function oneResource<Row>(req: SnapshotRequest, source: ResourceSource<Row>, id: string): Promise<ScimData> {
  const db = database(req.env.DB);
  const [types, { results }] = await Promise.all([
    typesOf(req.env, req.tenant),
    readDated(req.env, req.tenant, [source.rows(db, req.tenant, "", 1, id)]),
  ]);
  const [resource] = source.stored(results[0] as Row[]);
  if (!resource) throw noSuchResource(source.type, id);
  return renderer(types[source.type])(resource);
}

export const usersPage = (req: PageRequest) => resourcesPage(req, USERS);
export const groupsPage = (req: PageRequest) => resourcesPage(req, GROUPS);
export const oneUser = (req: SnapshotRequest, id: string) => oneResource(req, USERS, id);
export const oneGroup = (req: SnapshotRequest, id: string) => oneResource(req, GROUPS, id);

const noSuchResource = (type: string, id: string) => new AdminError("not_found", `${type} ${id} not found`);

/** A group's members as member events carry them: {value, type}. */
export async function membersPage(req: PageRequest, groupId: string): Promise<SnapshotPage<{ value: string; type: string }>> {
  const db = database(req.env.DB);
  const { guarded, ...page } = await keysetPage<MemberRow>(
    req,
    `members/${groupId}`,
    (after, limit) => memberPage(db, req.tenant, groupId, after, limit),
    (row) => row.memberId,
    [groupRows(db, req.tenant, "", 1, groupId)],
  );
  if (guarded[0].length === 0) throw noSuchResource("Group", groupId);
  return { ...page, data: page.data.map((m) => ({ value: m.memberId, type: m.memberType })) };
}
