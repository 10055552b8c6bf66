import type { AttributeDef, AttributeType } from "../schema/attribute.ts";
import type { CompValue } from "./ast.ts";

// Types whose values are written as text: an unquoted word compared with one of them means its
// text as written, so `name.familyName eq 007` is the string "007" and not the number 7.
const WRITTEN_AS_TEXT: ReadonlySet<AttributeType> = new Set(["string", "reference", "binary", "dateTime"]);

/** A comparison's literal as the compared attribute's declared type reads it. */
export function literalFor(def: AttributeDef | undefined, comparison: { value: CompValue; unquoted?: string }): CompValue {
  return comparison.unquoted !== undefined && def && WRITTEN_AS_TEXT.has(def.type) ? comparison.unquoted : comparison.value;
}
