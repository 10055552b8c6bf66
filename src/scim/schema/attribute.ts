// RFC 7643 §2.2 / §7: one declarative description per attribute. Validation, /Schemas, the filter
// compiler, projection and PATCH path resolution all read these, so a new attribute is one line.

export type AttributeType = "string" | "boolean" | "decimal" | "integer" | "dateTime" | "reference" | "binary" | "complex";

export type Mutability = "readOnly" | "readWrite" | "immutable" | "writeOnly";
export type Returned = "always" | "never" | "default" | "request";
export type Uniqueness = "none" | "server" | "global";

export interface AttributeDef {
  name: string;
  type: AttributeType;
  multiValued: boolean;
  required: boolean;
  caseExact: boolean;
  mutability: Mutability;
  returned: Returned;
  uniqueness: Uniqueness;
  description: string;
  canonicalValues?: string[];
  referenceTypes?: string[];
  subAttributes?: AttributeDef[];
}

export interface SchemaDef {
  id: string;
  name: string;
  description: string;
  attributes: AttributeDef[];
}

type Options = Partial<Omit<AttributeDef, "name" | "type" | "subAttributes">>;

export function attribute(name: string, type: AttributeType, options: Options = {}): AttributeDef {
  return {
    name,
    type,
    multiValued: false,
    required: false,
    caseExact: false,
    mutability: "readWrite",
    returned: "default",
    uniqueness: "none",
    description: name,
    ...options,
  };
}

export const string = (name: string, options?: Options) => attribute(name, "string", options);
export const boolean = (name: string, options?: Options) => attribute(name, "boolean", options);
export const dateTime = (name: string, options?: Options) => attribute(name, "dateTime", options);
export const binary = (name: string, options?: Options) => attribute(name, "binary", options);
export const reference = (name: string, referenceTypes: string[], options?: Options) =>
  attribute(name, "reference", { referenceTypes, caseExact: true, ...options });
export const complex = (name: string, subAttributes: AttributeDef[], options?: Options) => ({
  ...attribute(name, "complex", options),
  subAttributes,
});

// RFC 7643 §2.4: the sub-attributes every multi-valued complex attribute of the core schemas shares.
export function multiValued(name: string, valueType: AttributeDef, types: string[], extra: AttributeDef[] = []): AttributeDef {
  return complex(
    name,
    [{ ...valueType, name: "value" }, string("display"), string("type", { canonicalValues: types }), boolean("primary"), ...extra],
    { multiValued: true },
  );
}

export function findAttribute(list: readonly AttributeDef[], name: string): AttributeDef | undefined {
  const wanted = name.toLowerCase();
  return list.find((a) => a.name.toLowerCase() === wanted);
}
