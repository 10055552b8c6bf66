// RFC 7644 §3.4.2.2 filter AST: a closed union on `op`, consumed by exhaustive switches.

export type CompareOp = "eq" | "ne" | "co" | "sw" | "ew" | "gt" | "ge" | "lt" | "le";
export type CompValue = string | number | boolean | null;

/** An attribute path as written: optional schema URN, attribute, optional sub-attribute. */
export interface AttrPath {
  uri?: string;
  attr: string;
  sub?: string;
}

export type Filter =
  // `unquoted`: the literal as written when it had no quotes, read by the compared attribute's
  // type (filter/value.ts): `name.familyName eq 007` means the string "007".
  | { op: CompareOp; path: AttrPath; value: CompValue; unquoted?: string }
  | { op: "pr"; path: AttrPath }
  | { op: "and" | "or"; left: Filter; right: Filter }
  | { op: "not"; filter: Filter }
  // attr[filter]: true when one element of the multi-valued `path` matches `filter`,
  // whose paths are relative to that element.
  | { op: "has"; path: AttrPath; filter: Filter };

/** A PATCH target (RFC 7644 §3.5.2): attrPath, or valuePath with an optional trailing sub-attribute. */
export interface PatchPath {
  path: AttrPath;
  filter?: Filter;
  sub?: string;
}
