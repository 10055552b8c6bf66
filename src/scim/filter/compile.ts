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
  return JSON.stringify(filter, (key, value) => {
    if (key === "value" || key === "unquoted") return value === null ? null : "?";
    // An or compiles from its terms, whatever their grouping, and an eq chain to one SQL text
    // however many values it has.
    if (value?.op !== "or") return value;
    return { op: "or", terms: orTerms(value).map((term) => ("values" in term ? { op: "anyOf", path: term.path } : term)) };
  });
}

/** A comparison's literal, as parsed (filter/value.ts reads it by the attribute's type). */
type Literal = { value: CompValue; unquoted?: string };

/** `a eq x or a eq y or ...`: the literals compared with one attribute, in an `or`. */
interface EqChain {
  path: AttrPath;
  values: Literal[];
}

/** The operands of a chain of `op` in any grouping, in order. Iterative: a chain may have hundreds. */
function operands(filter: Filter, op: "and" | "or"): Filter[] {
  const found: Filter[] = [];
  const pending: Filter[] = [filter];
  while (pending.length > 0) {
    const next = pending.pop() as Filter;
    if (next.op === op) pending.push(next.right, next.left);
    else found.push(next);
  }
  return found;
}

/**
 * An `or`'s terms, with its non-null `eq` comparisons grouped by attribute where there are two or
 * more, and its value filters on one attribute merged: `emails[A] or emails[B]` is `emails[A or B]`
 * (some element matches A or some matches B), one subquery instead of one per term.
 */
function orTerms(filter: Filter): (Filter | EqChain)[] {
  const terms: (Filter | EqChain)[] = [];
  const chains = new Map<string, EqChain>();
  const valueFilters = new Map<string, Filter & { op: "has" }>();
  for (const term of operands(filter, "or")) {
    if (term.op === "has") {
      const key = show(term.path).toLowerCase();
      const merged = valueFilters.get(key);
      if (merged) merged.filter = { op: "or", left: merged.filter, right: term.filter };
      else {
        const started = { ...term };
        valueFilters.set(key, started);
        terms.push(started);
      }
      continue;
    }
    if (term.op !== "eq" || term.value === null) {
      terms.push(term);
      continue;
    }
    const key = show(term.path).toLowerCase();
    const chain = chains.get(key);
    const written = { value: term.value, unquoted: term.unquoted };
    if (chain) chain.values.push(written);
    else {
      const started = { path: term.path, values: [written] };
      chains.set(key, started);
      terms.push(started);
    }
  }
  return terms.map((term) => ("values" in term && term.values.length === 1 ? { op: "eq", path: term.path, ...term.values[0] } : term));
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
      return balanced("AND", operands(filter, "and").map(recurse));
    case "or":
      return balanced(
        "OR",
        orTerms(filter).map((term) => ("values" in term ? anyOf(term, scope, bind, map) : recurse(term))),
      );
    case "not":
      // True where the inner condition is false or unknown (NULL): one expression level, as
      // NOT coalesce(x, 0) took two, and D1 evaluates at most 100 levels.
      return sql`(${recurse(filter.filter)} IS NOT 1)`;
    case "has": {
      if (inElement || !map) return fail("value filters cannot be nested");
      const resolved = resolveAttribute(map.type, filter.path);
      if (!resolved) return fail(`unknown attribute '${show(filter.path)}'`);
      return has(map, resolved, filter.filter, bind);
    }
    default: {
      const operand = scope.operand(filter.path);
      if ("elements" in operand) return onElements(operand.elements, (path) => ({ ...filter, path }), bind, map);
      return filter.op === "pr"
        ? sql`(${operand.expr} IS NOT NULL)`
        : comparison(operand, filter.op, literalFor(operand.def, filter), bind);
    }
  }
}

/**
 * `a OR b OR c ...` as a balanced tree of parentheses: D1 refuses SQL expressions nested deeper
 * than 100, which a left-deep chain of 100 clauses is.
 */
function balanced(op: "AND" | "OR", parts: SQL[]): SQL {
  if (parts.length === 1) return parts[0];
  const half = Math.ceil(parts.length / 2);
  return sql`(${balanced(op, parts.slice(0, half))} ${sql.raw(op)} ${balanced(op, parts.slice(half))})`;
}

/** "emails.value eq x", "emails eq x", "emails pr": an element of emails matches (RFC 7644 §3.4.2.2). */
function onElements(elements: ResolvedAttribute, relative: (path: AttrPath) => Filter, bind: Binder, map?: StorageMap): SQL {
  // Only the row scope yields elements, and it always carries the map.
  if (!map) return fail("value filters cannot be nested");
  return has(map, elements, relative({ attr: elements.sub?.name ?? "value" }), bind);
}

/**
 * An eq chain as one JSON array bound as a single parameter and read with json_each: D1 binds at
 * most 100 parameters per statement, and a client matching many users at once sends exactly this.
 * `col IN (SELECT ...)` is still one index lookup per value, with the attribute's case rules.
 */
function anyOf(chain: EqChain, scope: Scope, bind: Binder, map?: StorageMap): SQL {
  const operand = scope.operand(chain.path);
  if ("elements" in operand) {
    const relative = (path: AttrPath) =>
      chain.values.map((written): Filter => ({ op: "eq", path, ...written })).reduce((left, right) => ({ op: "or", left, right }));
    return onElements(operand.elements, relative, bind, map);
  }
  const { def, expr } = operand;
  const values = bind(JSON.stringify(chain.values.map((written) => literal(def, literalFor(def, written), "eq"))));
  if (isText(def) && !def.caseExact) return sql`(lower(${expr}) IN (SELECT lower(v.value) FROM json_each(${values}) AS v))`;
  return sql`(${expr} IN (SELECT v.value FROM json_each(${values}) AS v))`;
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
