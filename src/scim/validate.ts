import { z } from "zod";
import { memoized } from "../lib/memo.ts";
import { canonicalDateTime } from "./datetime.ts";
import { parseAttrPath } from "./filter/parse.ts";
import { badRequest } from "./errors.ts";
import { isObject } from "./json.ts";
import { type AttributeDef, findAttribute } from "./schema/attribute.ts";
import { commonAttributes } from "./schema/common.ts";
import type { ResourceTypeDef } from "./schema/resource-type.ts";

// Request bodies are canonicalised, then checked by zod schemas derived from the schema definitions.
// Canonicalising is where Entra's looseness is absorbed (RFC 7643 §2.1 case-insensitive names, nulls,
// "True"/"False", manager as a plain string, roles as JSON strings), so nothing downstream sees it.

export type ScimData = Record<string, unknown>;

// An absent value, in the sense of RFC 7644 §3.5.2.3 and Entra's clears: null, "", [] and {}.
function isEmpty(value: unknown): boolean {
  if (value === null || value === undefined || value === "") return true;
  if (Array.isArray(value)) return value.length === 0;
  return isObject(value) && Object.keys(value).length === 0;
}

const writable = (a: AttributeDef) => a.mutability !== "readOnly";

function canonicaliseKeys(attributes: AttributeDef[]) {
  return (input: unknown) => {
    if (!isObject(input)) return input;
    const out: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(input)) {
      const def = findAttribute(attributes, key);
      if (def && writable(def) && !isEmpty(value)) out[def.name] = value;
    }
    return out;
  };
}

// Some clients send JSON text where structure belongs (Entra: each role as a JSON string in PATCH).
function parseJsonText(value: unknown): unknown {
  if (typeof value !== "string" || !/^\s*[[{]/.test(value)) return value;
  try {
    return JSON.parse(value);
  } catch {
    return value;
  }
}

const text = z.union([z.string(), z.number().transform(String)]);
const booleanLike = z.union([
  z.boolean(),
  z
    .string()
    .regex(/^(true|false)$/i, "expected a boolean")
    .transform((v) => v.toLowerCase() === "true"),
]);

function valueSchema(def: AttributeDef): z.ZodType {
  switch (def.type) {
    case "string":
    case "reference":
    case "binary":
      return text;
    case "boolean":
      return booleanLike;
    case "integer":
      return z.union([
        z.number().int(),
        z
          .string()
          .regex(/^-?\d+$/, "expected an integer")
          .transform(Number),
      ]);
    case "decimal":
      return z.union([
        z.number(),
        z
          .string()
          .regex(/^-?\d+(\.\d+)?$/, "expected a number")
          .transform(Number),
      ]);
    case "dateTime":
      // Stored canonical, so SQL filters and the PATCH matcher compare instants as text (datetime.ts).
      return z.string().transform((v, ctx) => {
        const canonical = canonicalDateTime(v);
        if (canonical === undefined) ctx.issues.push({ code: "custom", message: "expected an xsd:dateTime", input: v });
        return canonical;
      });
    case "complex":
      return complexSchema(def);
  }
}

function complexSchema(def: AttributeDef): z.ZodType {
  const subAttributes = def.subAttributes ?? [];
  const hasValue = subAttributes.some((a) => a.name === "value");
  return z.preprocess((input) => {
    const parsed = parseJsonText(input);
    // Entra sends manager as a bare id: a primitive stands for the "value" sub-attribute.
    if (hasValue && (typeof parsed === "string" || typeof parsed === "number")) return { value: parsed };
    return canonicaliseKeys(subAttributes)(parsed);
  }, objectOf(subAttributes));
}

function objectOf(attributes: AttributeDef[]) {
  return z.object(Object.fromEntries(attributes.filter(writable).map((a) => [a.name, attributeSchema(a).optional()])));
}

function attributeSchema(def: AttributeDef): z.ZodType {
  const single = valueSchema(def);
  if (!def.multiValued) {
    // A one-element array for a single-valued attribute (Entra's legacy manager form).
    return z.preprocess((v) => (Array.isArray(v) && v.length === 1 ? v[0] : v), single);
  }
  return z.preprocess(
    (v) => {
      const parsed = parseJsonText(v);
      return Array.isArray(parsed) ? parsed.filter((e) => !isEmpty(e)) : [parsed];
    },
    z.array(single).transform((items) => items.filter((e) => !isEmpty(e))),
  );
}

function resourceSchema(type: ResourceTypeDef): z.ZodType {
  const coreAttributes = [...commonAttributes, ...type.schema.attributes];
  const extensions = type.extensions.map((e) => e.schema);
  const shape: Record<string, z.ZodType> = {};
  for (const a of coreAttributes.filter(writable)) shape[a.name] = attributeSchema(a).optional();
  for (const ext of extensions) {
    shape[ext.id] = z
      .preprocess(canonicaliseKeys(ext.attributes), objectOf(ext.attributes))
      .transform((v) => (isEmpty(dropUndefined(v)) ? undefined : dropUndefined(v)))
      .optional();
  }

  const canonicaliseResource = (input: unknown) => {
    if (!isObject(input)) return input;
    const out: Record<string, unknown> = {};
    const extensionValues = new Map<string, Record<string, unknown>>();
    const putExtension = (id: string, key: string, value: unknown) => {
      const bag = extensionValues.get(id) ?? {};
      bag[key] = value;
      extensionValues.set(id, bag);
    };
    let nestedCore: Record<string, unknown> | undefined;
    for (const [key, value] of Object.entries(input)) {
      if (isEmpty(value)) continue;
      const core = findAttribute(coreAttributes, key);
      if (core) {
        if (writable(core)) out[core.name] = value;
        continue;
      }
      if (!/^urn:/i.test(key)) continue;
      if (key.toLowerCase() === type.schema.id.toLowerCase()) {
        if (isObject(value)) nestedCore = value;
        continue;
      }
      const ext = extensions.find((e) => e.id.toLowerCase() === key.toLowerCase());
      if (ext) {
        if (isObject(value)) for (const [k, v] of Object.entries(value)) putExtension(ext.id, k, v);
        continue;
      }
      // "urn:...:User:employeeNumber" as a key (Entra's path-style keys); unknown URNs are ignored.
      let path: ReturnType<typeof parseAttrPath>;
      try {
        path = parseAttrPath(key, "invalidValue");
      } catch {
        continue;
      }
      if (path.uri?.toLowerCase() === type.schema.id.toLowerCase()) {
        const def = findAttribute(type.schema.attributes, path.attr);
        if (def && writable(def)) out[def.name] = value;
        continue;
      }
      const owner = extensions.find((e) => e.id.toLowerCase() === path.uri?.toLowerCase());
      if (owner) putExtension(owner.id, path.attr, value);
    }
    for (const [id, bag] of extensionValues) out[id] = bag;
    // A public conformance suite nests core attributes under the core schema URN, as if it were an
    // extension. They are read as top-level attributes; one sent at the top level (RFC 7643 §3) wins.
    for (const [key, value] of Object.entries(nestedCore ?? {})) {
      const core = findAttribute(coreAttributes, key);
      if (core && writable(core) && !isEmpty(value) && !(core.name in out)) out[core.name] = value;
    }
    return out;
  };

  return z.preprocess(canonicaliseResource, z.object(shape));
}

function dropUndefined(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(dropUndefined);
  if (!isObject(value)) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) if (v !== undefined) out[k] = dropUndefined(v);
  return out;
}

const schemaOf = memoized(resourceSchema);

/**
 * Validates a resource body (POST, PUT, or the result of a PATCH) and returns canonical data:
 * canonical attribute names, extensions under their URN, nothing empty, nothing read-only.
 */
export function parseResource(input: unknown, type: ResourceTypeDef): ScimData {
  if (!isObject(input)) throw badRequest("invalidSyntax", "the request body must be a JSON object");
  const result = schemaOf(type).safeParse(input);
  if (!result.success) {
    const issue = result.error.issues[0];
    const where = issue.path.join(".") || "body";
    throw badRequest("invalidValue", `${where}: ${issue.message}`);
  }
  const data = dropUndefined(result.data) as ScimData;
  for (const def of type.schema.attributes) {
    if (def.required && isEmpty(data[def.name])) throw badRequest("invalidValue", `${def.name} is required`);
  }
  checkRequiredExtensions(data, type);
  return data;
}

// RFC 7643 §3.3: a resource MUST include a required extension and that extension's required
// attributes; an optional extension, once included, carries its required attributes too. A
// required attribute the client cannot write (readOnly) is not the client's to send.
function checkRequiredExtensions(data: ScimData, type: ResourceTypeDef): void {
  for (const { schema, required } of type.extensions) {
    const values = data[schema.id] as ScimData | undefined;
    if (!values) {
      if (required) throw badRequest("invalidValue", `the extension ${schema.id} is required`);
      continue;
    }
    const missing = schema.attributes.find((a) => a.required && writable(a) && isEmpty(values[a.name]));
    if (missing) throw badRequest("invalidValue", `${schema.id}:${missing.name} is required`);
  }
}
