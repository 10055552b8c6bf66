import { is, Placeholder, type SQL, sql } from "drizzle-orm";
import type { Database, Statement } from "../db/client.ts";
import { existingMembers } from "../db/groups.ts";
import { events, groupMembers, groups, tenantEventCounters, users } from "../db/schema.ts";
import { memoized } from "../lib/memo.ts";
import type { ResourceTypeDef } from "../scim/schema/resource-type.ts";
import type { ScimData } from "../scim/validate.ts";
import { hiddenFromEvents, visible } from "./previous.ts";
import type { EventType } from "./read.ts";

// Statements that record a write's events (README: Change feed). They ride in the write's own
// atomic batch and read what they record from the rows the batch writes, so an event exists
// exactly when its change does, and recording costs no round trip and no read of its own.
// seq: each statement numbers its rows from the highest seq the tenant has so far (the counter,
// or an event this batch already recorded); recorded() stores it last in the batch. The primary
// key (tenant_id, seq) fails the batch of a second writer rather than forking the feed.

const lastSeqOf = (tenant: SQL) =>
  sql`max(
    coalesce((SELECT ${tenantEventCounters.lastSeq} FROM ${tenantEventCounters} WHERE ${tenantEventCounters.tenantId} = ${tenant}), 0),
    coalesce((SELECT max(${events.seq}) FROM ${events} WHERE ${events.tenantId} = ${tenant}), 0))`;

/**
 * `k`: one row of the tenant (`t`), the resource (`r`) and `base`, the tenant's last seq before the
 * statement, computed once however many events it records. Each value is bound once: a member
 * statement carrying a client's filter binds no more than the delete it records (db/budget.ts).
 */
const scope = (tenant: Bound<string>, resourceId: Bound<string>) =>
  sql`WITH k AS MATERIALIZED (SELECT p.t AS t, p.r AS r, ${lastSeqOf(sql`p.t`)} AS base FROM (SELECT ${tenant} AS t, ${resourceId} AS r) AS p) `;

const eventId = sql`lower(hex(randomblob(16)))`;
// D1's clock when the batch runs: the commit time, in the form of toISOString, which retention compares.
const commitTime = sql`strftime('%Y-%m-%dT%H:%M:%fZ', 'now')`;

/** A value, or a placeholder for it in a statement prepared once (db/client.ts runPreparedBatch). */
export type Bound<T> = T | Placeholder;

/** A write's batch: its statements (the event statements among them), then the one that stores the tenant's last seq. */
export function recorded(db: Database, tenant: Bound<string>, statements: readonly Statement[]): Statement[] {
  const counter = db
    .insert(tenantEventCounters)
    .values({ tenantId: tenant, lastSeq: sql`${lastSeqOf(sql`${tenant}`)}` })
    .onConflictDoUpdate({ target: tenantEventCounters.tenantId, set: { lastSeq: sql`excluded.last_seq` } });
  return [...statements, counter];
}

/** JSON paths of the stored attributes an event leaves out; memoized per type object. */
const hiddenPaths = memoized((type: ResourceTypeDef): string[] => [
  ...type.schema.attributes.filter(hiddenFromEvents).map((def) => `$."${def.name}"`),
  ...type.extensions.flatMap(({ schema }) => schema.attributes.filter(hiddenFromEvents).map((def) => `$."${schema.id}"."${def.name}"`)),
]);

/** The stored attributes an event leaves out, by extension URN (core: null); memoized per type object. */
const hiddenNames = memoized((type: ResourceTypeDef): [string | null, string][] => [
  ...type.schema.attributes.filter(hiddenFromEvents).map((def): [null, string] => [null, def.name]),
  ...type.extensions.flatMap(({ schema }) =>
    schema.attributes.filter(hiddenFromEvents).map((def): [string, string] => [schema.id, def.name]),
  ),
]);

const holds = (bag: unknown, name: string) => typeof bag === "object" && bag !== null && Object.hasOwn(bag, name);

/**
 * The pending_event of a user write: the triggers of migrations/0011 record it from the row the
 * write's one statement stores, as resourceJson would build it. What depends on the tenant's
 * resource type comes from here: `schemas`, and `data` only when the row holds an attribute hidden
 * from events (the password never is: it is stored hashed, outside data).
 */
export function pendingUserEvent(
  type: ResourceTypeDef,
  data: ScimData,
  event: { type: EventType; previous?: Record<string, unknown>; extra?: Record<string, unknown>; log?: object },
): string {
  const schemas = [type.schema.id, ...type.extensions.filter(({ schema }) => data[schema.id] !== undefined).map(({ schema }) => schema.id)];
  const hides = hiddenNames(type).some(([urn, name]) => holds(urn === null ? data : data[urn], name));
  return JSON.stringify({ ...event, schemas, ...(hides ? { data: visible(data, type) } : {}) });
}

const tableOf = { User: users, Group: groups } as const;
type TypeId = keyof typeof tableOf;

/**
 * The resource's SCIM JSON as GET returns it (serialize.ts toScim, then the default projection), built
 * from its row `r`, without meta.location (it depends on the host the client called) and without the
 * memberships (users' groups, groups' members), which member events carry.
 */
function resourceJson(type: ResourceTypeDef): SQL {
  const present = type.extensions.map(
    ({ schema }) => sql`, CASE WHEN json_type(r.data, ${`$."${schema.id}"`}) IS NOT NULL THEN ${schema.id} END`,
  );
  const schemas = sql`(SELECT json_group_array(value) FROM json_each(json_array(${type.schema.id}${sql.join(present)})) WHERE type != 'null')`;
  const data = sql`json_remove(r.data${sql.join(hiddenPaths(type).map((path) => sql`, ${path}`))})`;
  return sql`json_set(${data}, '$.schemas', json(${schemas}), '$.id', r.id, '$.meta', json_object(
    'resourceType', ${type.id}, 'created', r.created, 'lastModified', r.last_modified, 'version', 'W/"' || r.version || '"'))`;
}

export interface ResourceEvent {
  type: Bound<EventType>;
  /** Recorded only if the row is at this version: a write whose version guard failed records nothing. */
  version?: Bound<number>;
  /** JSON objects, or placeholders for their JSON text (null: none). */
  previous?: Bound<Record<string, unknown>>;
  extra?: Bound<Record<string, unknown>>;
}

const jsonOf = (value: Bound<Record<string, unknown>> | undefined) =>
  value === undefined ? null : isPlaceholder(value) ? value : JSON.stringify(value);
const isPlaceholder = (value: unknown): value is Placeholder => is(value, Placeholder);

/**
 * Records one event of a User or Group from its live row. After the resource's own statement for
 * created and updated; before its delete for deleted, so the event carries the last state.
 */
export function resourceEvent(
  db: Database,
  tenant: Bound<string>,
  type: ResourceTypeDef,
  id: Bound<string>,
  event: ResourceEvent,
): Statement {
  const table = tableOf[type.id as TypeId];
  const live = table === users ? sql` AND r.deleted_at IS NULL` : sql``;
  const atVersion = event.version === undefined ? sql`` : sql` AND r.version = ${event.version}`;
  return db.insert(events).select(
    sql`${scope(tenant, id)}SELECT k.t, k.base + 1, ${eventId}, ${event.type}, ${commitTime}, ${type.id}, r.id,
      ${resourceJson(type)}, ${jsonOf(event.previous)}, ${jsonOf(event.extra)}
      FROM k, ${table} AS r WHERE r.tenant_id = k.t AND r.id = k.r${live}${atVersion}`,
  );
}

const memberData = (value: SQL, type: SQL) => sql`json_object('member', json_object('value', ${value}, 'type', ${type}))`;
const inGroup = sql`${groupMembers.tenantId} = k.t AND ${groupMembers.groupId} = k.r`;

/** group.member_added for each of `ids` that exists and is not yet a member: before the statement that inserts them. */
export function membersAddedEvents(db: Database, tenant: string, groupId: string, ids: string[]): Statement {
  return db.insert(events).select(
    sql`${scope(tenant, groupId)}SELECT k.t, k.base + row_number() OVER (ORDER BY e.key), ${eventId}, 'group.member_added', ${commitTime},
      'Group', k.r, ${memberData(sql`e.id`, sql`e.type`)}, NULL, NULL
      FROM k, ${existingMembers(sql`(SELECT t FROM k)`, ids)} AS e
      WHERE NOT EXISTS (SELECT 1 FROM ${groupMembers} WHERE ${inGroup} AND ${groupMembers.memberId} = e.id)`,
  );
}

/**
 * group.member_removed for each member of the group that `where` picks: before the delete with the
 * same condition. Read from the member rows inside the batch, so removing 100,000 members never
 * loads them into the Worker.
 */
export function membersRemovedEvents(db: Database, tenant: string, groupId: string, where: SQL | undefined): Statement {
  return db.insert(events).select(
    sql`${scope(tenant, groupId)}SELECT k.t, k.base + row_number() OVER (ORDER BY ${groupMembers.memberId}), ${eventId},
      'group.member_removed', ${commitTime}, 'Group', k.r, ${memberData(sql`${groupMembers.memberId}`, sql`${groupMembers.memberType}`)}, NULL, NULL
      FROM k, ${groupMembers} WHERE ${inGroup}${where ? sql` AND ${where}` : sql``}`,
  );
}
