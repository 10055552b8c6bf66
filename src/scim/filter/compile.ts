import { type SQL, sql } from "drizzle-orm";
import { canonicalDateTime } from "../datetime.ts";
import { badRequest } from "../errors.ts";
import type { AttributeDef } from "../schema/attribute.ts";
import { type ResolvedAttribute, resolveAttribute, type ResourceTypeDef } from "../schema/resource-type.ts";
import type { AttrPath, CompareOp, CompValue, Filter } from "./ast.ts";
import { parseAttrPath } from "./parse.ts";
import { literalFor } from "./value.ts";

// Compiles a filter AST to a parameterised SQL condition: values only ever travel as bound
// parameters, and attribute names only select from what the schema declares.

/**
 * How a literal enters the SQL: by default as a bound parameter; a list request binds it to a named
 * placeholder instead, so filters of one shape render to one prepared statement (http/query.ts).
 */
export type Binder = (value: unknown) => unknown;
const inline: Binder = (value) => value;

/**
 * What the compiled SQL depends on besides the literals: the same shape (for the same resource
 * type) compiles to the same SQL text. Only whether a literal is null changes the SQL (IS NULL).
 */
export function filterShape(filter: Filter): string {
  return JSON.stringify(filter, (key, value) => (key === "value" || key === "unquoted" ? (value === null ? null : "?") : value));
}

/** Where one stored resource's attributes are, for the compiler. */
export interface StorageMap {
  type: ResourceTypeDef;
  /** The JSON column holding the canonical attributes (json_extract fallback). */
  data: SQL;
  /** Attributes with a real (indexed) column, keyed by canonical path ("userName", "meta.created"). */
  columns: Record<string, SQL>;
  /**
   * Multi-valued attributes with an indexed side table: returns "id IN (SELECT ...)" for the rows
   * having an element that matches `condition`, or undefined when `element` can't express a sub-attribute.
   */
  sideTables: Record<string, SideTable>;
}

export interface SideTable {
  /** Column of the side table for a canonical sub-attribute name, if it has one. */
  column(sub: string): SQL | undefined;
  rowsWhere(condition: SQL): SQL;
}

interface Operand {
  expr: SQL;
  def: AttributeDef;
}

/**
 * Builds operands for paths relative to where the compiler stands: the row, or one element.
 * A multi-valued attribute named from the row is not an operand but a set of elements.
 */
interface Scope {
  operand(path: AttrPath): Operand | { elements: ResolvedAttribute };
}

const fail = (detail: string): never => {
  throw badRequest("invalidFilter", detail);
};

const show = (path: AttrPath) => [path.uri, [path.attr, path.sub].filter(Boolean).join(".")].filter(Boolean).join(":");

function jsonPath(resolved: ResolvedAttribute, sub?: AttributeDef): string {
  // Names come from the schema definitions, never from the request; the URN is quoted for JSON path.
  const parts = resolved.extension && resolved.schema ? [`"${resolved.schema.id}"`] : [];
  parts.push(resolved.attribute.name);
  if (sub) parts.push(sub.name);
  return `$.${parts.join(".")}`;
}

function columnKey(resolved: ResolvedAttribute): string {
  const base = resolved.extension && resolved.schema ? `${resolved.schema.id}:${resolved.attribute.name}` : resolved.attribute.name;
  return resolved.sub ? `${base}.${resolved.sub.name}` : base;
}

function rowScope(map: StorageMap): Scope {
  return {
    operand(path) {
      const resolved = resolveAttribute(map.type, path);
      if (!resolved) return fail(`unknown attribute '${show(path)}'`);
      const def = resolved.sub ?? resolved.attribute;
      if (def.returned === "never") fail(`'${show(path)}' cannot be filtered on`);
      const column = map.columns[columnKey(resolved)];
      if (column) return { expr: column, def };
      if (resolved.attribute.multiValued) return { elements: resolved };
      if (resolved.attribute.type === "complex" && !resolved.sub) fail(`'${show(path)}' is complex: name a sub-attribute`);
      return { expr: sql`json_extract(${map.data}, ${jsonPath(resolved, resolved.sub)})`, def };
    },
  };
}

function elementScope(resolved: ResolvedAttribute, elementPath: (sub: AttributeDef) => SQL | undefined): Scope {
  return {
    operand(path) {
      if (path.uri || path.sub) fail(`'${show(path)}' is not a sub-attribute of ${resolved.attribute.name}`);
      const sub = resolved.attribute.subAttributes?.find((a) => a.name.toLowerCase() === path.attr.toLowerCase());
      if (!sub) return fail(`unknown sub-attribute '${path.attr}' of ${resolved.attribute.name}`);
      const expr = elementPath(sub);
      if (!expr) return fail(`'${path.attr}' of ${resolved.attribute.name} cannot be filtered on`);
      return { expr, def: sub };
    },
  };
}

function has(map: StorageMap, resolved: ResolvedAttribute, filter: Filter, bind: Binder): SQL {
  const attr = resolved.attribute;
  if (attr.type !== "complex") fail(`'${attr.name}' has no sub-attributes to filter on`);
  const side = map.sideTables[attr.name];
  if (side && usesOnly(filter, (name) => side.column(name.toLowerCase()) !== undefined)) {
    const scope = elementScope(resolved, (sub) => side.column(sub.name.toLowerCase()));
    return side.rowsWhere(compileIn(filter, scope, true, bind));
  }
  const path = jsonPath(resolved);
  if (!attr.multiValued) {
    return compileIn(
      filter,
      elementScope(resolved, (sub) => sql`json_extract(${map.data}, ${`${path}.${sub.name}`})`),
      true,
      bind,
    );
  }
  const scope = elementScope(resolved, (sub) => sql`json_extract(je.value, ${`$.${sub.name}`})`);
  return sql`EXISTS (SELECT 1 FROM json_each(${map.data}, ${path}) AS je WHERE ${compileIn(filter, scope, true, bind)})`;
}

function usesOnly(filter: Filter, ok: (name: string) => boolean): boolean {
  switch (filter.op) {
    case "and":
    case "or":
      return usesOnly(filter.left, ok) && usesOnly(filter.right, ok);
    case "not":
      return usesOnly(filter.filter, ok);
    case "has":
      return false;
    default:
      return !filter.path.uri && !filter.path.sub && ok(filter.path.attr);
  }
}

const isText = (def: AttributeDef) => def.type === "string" || def.type === "reference" || def.type === "binary";

function literal(def: AttributeDef, value: CompValue, op: CompareOp): unknown {
  if (value === null) return null;
  switch (def.type) {
    case "boolean":
      if (typeof value === "boolean") return value ? 1 : 0;
      if (typeof value === "string" && /^(true|false)$/i.test(value)) return value.toLowerCase() === "true" ? 1 : 0;
      return fail(`${def.name} is a boolean: compare it with true or false`);
    case "integer":
    case "decimal":
      if (typeof value !== "number") fail(`${def.name} is a number: compare it with a number`);
      return value;
    case "dateTime":
      // The stored form (datetime.ts): text comparison is then comparison by instant.
      return canonicalDateTime(value) ?? fail(`${def.name} is a dateTime: compare it with a quoted xsd:dateTime`);
    case "complex":
      return fail(`${def.name} is complex: name a sub-attribute`);
    default:
      if (typeof value !== "string") {
        if (op === "eq" || op === "ne") return String(value);
        fail(`${def.name} is a string: compare it with a quoted string`);
      }
      return value;
  }
}

function comparison(operand: Operand, op: CompareOp, value: CompValue, bind: Binder): SQL {
  const { def } = operand;
  if ((op === "co" || op === "sw" || op === "ew") && !isText(def)) fail(`${op} applies to strings, not to ${def.name}`);
  if ((op === "gt" || op === "ge" || op === "lt" || op === "le") && (def.type === "boolean" || def.type === "binary")) {
    fail(`${op} does not apply to ${def.type} attribute ${def.name}`);
  }
  if (value === null) {
    if (op === "eq") return sql`(${operand.expr} IS NULL)`;
    if (op === "ne") return sql`(${operand.expr} IS NOT NULL)`;
    fail(`${op} cannot compare with null`);
  }
  const param = bind(literal(def, value, op));
  const folded = isText(def) && !def.caseExact;
  const left = folded ? sql`lower(${operand.expr})` : operand.expr;
  const right = folded ? sql`lower(${param})` : sql`${param}`;
  switch (op) {
    case "eq":
      return sql`(${left} = ${right})`;
    case "ne":
      return sql`(${operand.expr} IS NULL OR ${left} <> ${right})`;
    case "co":
      return sql`(instr(${left}, ${right}) > 0)`;
    case "sw":
      return sql`(substr(${left}, 1, length(${right})) = ${right})`;
    case "ew":
      return sql`(length(${left}) >= length(${right}) AND substr(${left}, length(${left}) - length(${right}) + 1) = ${right})`;
    case "gt":
      return sql`(${left} > ${right})`;
    case "ge":
      return sql`(${left} >= ${right})`;
    case "lt":
      return sql`(${left} < ${right})`;
    case "le":
      return sql`(${left} <= ${right})`;
  }
}

function compileIn(filter: Filter, scope: Scope, inElement: boolean, bind: Binder, map?: StorageMap): SQL {
  const recurse = (f: Filter) => compileIn(f, scope, inElement, bind, map);
  switch (filter.op) {
    case "and":
      return sql`(${recurse(filter.left)} AND ${recurse(filter.right)})`;
    case "or":
      return sql`(${recurse(filter.left)} OR ${recurse(filter.right)})`;
    case "not":
      return sql`(NOT coalesce(${recurse(filter.filter)}, 0))`;
    case "has": {
      if (inElement || !map) return fail("value filters cannot be nested");
      const resolved = resolveAttribute(map.type, filter.path);
      if (!resolved) return fail(`unknown attribute '${show(filter.path)}'`);
      return has(map, resolved, filter.filter, bind);
    }
    default: {
      const operand = scope.operand(filter.path);
      if ("elements" in operand) {
        // Only the row scope yields elements, and it always carries the map.
        if (!map) return fail("value filters cannot be nested");
        // "emails.value eq x", "emails eq x", "emails pr": an element of emails matches (RFC 7644 §3.4.2.2).
        const sub = operand.elements.sub?.name ?? "value";
        return has(map, operand.elements, { ...filter, path: { attr: sub } }, bind);
      }
      return filter.op === "pr"
        ? sql`(${operand.expr} IS NOT NULL)`
        : comparison(operand, filter.op, literalFor(operand.def, filter), bind);
    }
  }
}

export function compileFilter(filter: Filter, map: StorageMap, bind: Binder = inline): SQL {
  return compileIn(filter, rowScope(map), false, bind, map);
}

/**
 * Compiles a filter on the elements of a side-table attribute to a condition on the side table's
 * own columns (a Group PATCH "remove members[value eq \"id\"]" becomes a DELETE ... WHERE).
 */
export function compileElementFilter(map: StorageMap, attribute: string, filter: Filter): SQL {
  const resolved = resolveAttribute(map.type, { attr: attribute });
  const side = resolved && map.sideTables[resolved.attribute.name];
  if (!resolved || !side) return fail(`'${attribute}' has no element table`);
  return compileIn(
    filter,
    elementScope(resolved, (sub) => side.column(sub.name.toLowerCase())),
    true,
    inline,
  );
}

export type SortOrder = "ascending" | "descending";

/**
 * RFC 7644 §3.4.2.3 sortBy: an ORDER BY on any simple or sub-attribute, compared as its caseExact
 * says; a multi-valued attribute sorts by its primary (else first) element's value. Missing values
 * come last when ascending and first when descending, and the id breaks ties so pages stay stable.
 */
export function compileSort(sortBy: string, order: SortOrder, map: StorageMap, id: SQL): SQL {
  const path = parseAttrPath(sortBy, "invalidValue");
  const resolved = resolveAttribute(map.type, path);
  if (!resolved) throw badRequest("invalidValue", `sortBy: unknown attribute '${sortBy}'`);
  const def = resolved.sub ?? resolved.attribute;
  if (def.returned === "never") throw badRequest("invalidValue", `sortBy: '${sortBy}' cannot be sorted on`);
  let expr = map.columns[columnKey(resolved)];
  if (!expr && resolved.attribute.multiValued) {
    const sub = resolved.sub?.name ?? "value";
    const elements = sql`json_each(${map.data}, ${jsonPath({ ...resolved, sub: undefined })})`;
    expr = sql`(SELECT json_extract(je.value, ${`$.${sub}`}) FROM ${elements} AS je ORDER BY coalesce(json_extract(je.value, '$.primary'), 0) DESC, je.key LIMIT 1)`;
  } else if (!expr) {
    if (def.type === "complex") throw badRequest("invalidValue", `sortBy: '${sortBy}' is complex: name a sub-attribute`);
    expr = sql`json_extract(${map.data}, ${jsonPath(resolved, resolved.sub)})`;
  }
  const key = isText(def) && !def.caseExact ? sql`lower(${expr})` : expr;
  return order === "descending" ? sql`${key} DESC NULLS FIRST, ${id} DESC` : sql`${key} ASC NULLS LAST, ${id} ASC`;
}
