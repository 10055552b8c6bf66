import { and, eq, type SQL, sql } from "drizzle-orm";
import { memoized } from "../lib/memo.ts";
import type { ResourceTypeDef } from "../scim/schema/resource-type.ts";
import type { Database } from "./client.ts";
import { groups, uniqueValues, users } from "./schema.ts";

// uniqueness "server" for a tenant's extension attributes (RFC 7643 §2.2): each value lives as a
// unique_values row, written by statements that ride in the resource write's own atomic batch. A
// value another resource holds fails the batch, so nothing of the write lands and no read is needed.

interface UniqueAttribute {
  /** "{urn}:{name}", as /Schemas spells it. */
  name: string;
  key: string;
  /** JSON path of the attribute in the resource's data column. */
  path: string;
  /** caseExact=false strings are unique case-insensitively, as userName is. */
  folded: boolean;
}

/** The type's extension attributes declared unique; memoized per type object (tenancy/resource-types.ts keeps one per extension set). */
export const uniqueAttributesOf = memoized((type: ResourceTypeDef): UniqueAttribute[] =>
  type.extensions.flatMap(({ schema }) =>
    schema.attributes
      .filter((a) => a.uniqueness === "server")
      .map((a) => ({
        name: `${schema.id}:${a.name}`,
        key: `${schema.id}:${a.name}`.toLowerCase(),
        // Both quoted; neither can hold a quote (the CLI admits URN and ATTRNAME characters only).
        path: `$."${schema.id}"."${a.name}"`,
        folded: (a.type === "string" || a.type === "reference") && !a.caseExact,
      })),
  ),
);

const tableOf = { User: users, Group: groups } as const;
type TypeId = keyof typeof tableOf;

const ofResource = (tenantId: string, typeId: TypeId, resourceId: string) =>
  and(eq(uniqueValues.tenantId, tenantId), eq(uniqueValues.resourceType, typeId), eq(uniqueValues.resourceId, resourceId));

/** The statement that drops a resource's unique values: for the batch that deletes (or soft-deletes) it. */
export function dropUniqueValues(db: Database, tenantId: string, typeId: TypeId, resourceId: string) {
  return db.delete(uniqueValues).where(ofResource(tenantId, typeId, resourceId));
}

/**
 * Statements that make the unique_values rows of one resource those of its data at `version`: for
 * the batch that writes that version, after the resource's own statement. They read the values
 * from the row just written, and only if the row is at `version`: a write whose version guard
 * failed leaves the rows as they were. Empty when the type declares no unique attribute.
 */
export function uniqueValueStatements(db: Database, tenantId: string, type: ResourceTypeDef, resourceId: string, version: number) {
  const attributes = uniqueAttributesOf(type);
  if (attributes.length === 0) return [];
  const typeId = type.id as TypeId;
  const table = tableOf[typeId];
  const written = sql`SELECT 1 FROM ${table} WHERE ${table.tenantId} = ${tenantId} AND ${table.id} = ${resourceId} AND ${table.version} = ${version}`;
  return [
    db.delete(uniqueValues).where(and(ofResource(tenantId, typeId, resourceId), sql`EXISTS (${written})`)),
    ...attributes.map((a) => db.insert(uniqueValues).select(valuesOf(table, typeId, tenantId, resourceId, version, a))),
  ];
}

// In the column order of unique_values. DISTINCT: one resource may hold a value twice (a
// multi-valued attribute, or "A" and "a" folded).
function valuesOf(
  table: typeof users | typeof groups,
  typeId: TypeId,
  tenantId: string,
  resourceId: string,
  version: number,
  a: UniqueAttribute,
): SQL {
  const value = a.folded ? sql`lower(v.value)` : sql`v.value`;
  return sql`SELECT DISTINCT r.tenant_id, ${typeId}, ${a.key}, ${value}, r.id
    FROM ${table} AS r, json_each(r.data, ${a.path}) AS v
    WHERE r.tenant_id = ${tenantId} AND r.id = ${resourceId} AND r.version = ${version} AND v.type NOT IN ('null', 'object', 'array')`;
}

/** True when a batch failed because a unique_values row exists: a value another resource holds. */
export function isUniqueValueViolation(error: unknown): boolean {
  return error instanceof Error && /UNIQUE constraint failed: unique_values\./i.test(`${error.message} ${String(error.cause ?? "")}`);
}
