import { isUniqueValueViolation, uniqueAttributesOf } from "../db/unique-values.ts";
import { ScimError } from "../scim/errors.ts";
import type { ResourceTypeDef } from "../scim/schema/resource-type.ts";

/**
 * 409 uniqueness (RFC 7644 §3.3) for a write whose batch met a unique_values row another resource
 * holds. D1's error names the table, not the value, so the message names the type's unique attributes.
 */
function uniqueValueTaken(type: ResourceTypeDef): ScimError {
  const names = uniqueAttributesOf(type).map((a) => a.name);
  const which = names.length === 1 ? `the value of ${names[0]}` : `a value of one of ${names.join(", ")}`;
  return new ScimError(409, `${which} is already held by another ${type.name}`, "uniqueness");
}

/** Runs a write of the tenant's writer, turning a unique_values conflict in its batch into 409. */
export async function keepingValuesUnique<T>(type: ResourceTypeDef, write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (error) {
    if (isUniqueValueViolation(error)) throw uniqueValueTaken(type);
    throw error;
  }
}
