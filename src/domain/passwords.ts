import { hashPassword } from "../lib/crypto.ts";
import { ScimError } from "../scim/errors.ts";
import { schemaOfPath } from "../scim/patch/apply.ts";
import type { PatchOp } from "../scim/patch/normalise.ts";
import { expandPathless } from "../scim/patch/pathless.ts";
import { lookupTarget, type Target } from "../scim/patch/target.ts";
import { isCleared, isObject } from "../scim/patch/values.ts";
import type { ResourceTypeDef } from "../scim/schema/resource-type.ts";
import type { ScimData } from "../scim/validate.ts";

// PBKDF2 costs about 15 ms. Inside the tenant's writer every other write of the tenant would wait
// for it, so the Worker hashes a write's passwords before the RPC, in place: the writer applies the
// write as it came and finds hashes where the passwords were. `hashes` lists what the Worker made,
// so the writer can tell them from a password it still has to hash (domain/users.ts).

export interface Hashed<T> {
  value: T;
  hashes: string[];
}

/** POST and PUT: the validated data, its password (a writeOnly string, RFC 7643 §4.1.1) replaced by its hash. */
export async function hashDataPassword(data: ScimData): Promise<Hashed<ScimData>> {
  if (typeof data.password !== "string") return { value: data, hashes: [] };
  const hash = await hashPassword(data.password);
  return { value: { ...data, password: hash }, hashes: [hash] };
}

const isPassword = (target: Target | undefined) =>
  target !== undefined && !target.schemaKey && !target.sub && !target.filter && target.attribute.name === "password";

/**
 * PATCH: every value an operation would set the password to, hashed, wherever the operation
 * carries it (path "password" in any spelling, a path-less value, a whole-schema value). Targets
 * are resolved by the same functions as applyPatch. "" and null clear rather than set, so they
 * stay as sent; an operation that does not resolve is left for the writer to refuse.
 */
export async function hashPatchPasswords(ops: PatchOp[], type: ResourceTypeDef): Promise<Hashed<PatchOp[]>> {
  const hashes: string[] = [];
  const hash = async (value: unknown): Promise<unknown> => {
    if (Array.isArray(value)) return Promise.all(value.map(hash));
    if (typeof value !== "string" || isCleared(value)) return value;
    const hashed = await hashPassword(value);
    hashes.push(hashed);
    return hashed;
  };
  // Every PATCH passes here. Only an operation that names the attribute, in its path or as a key of its
  // value, can set it: the others skip path resolution (most of Entra's incremental pass).
  const mayHold = (op: PatchOp) => op.op !== "remove" && /password/i.test(JSON.stringify([op.path, op.value]));
  const value = await Promise.all(ops.map((op) => (mayHold(op) ? hashInOperation(op, type, hash) : op)));
  return { value, hashes };
}

async function hashInOperation(op: PatchOp, type: ResourceTypeDef, hash: (value: unknown) => Promise<unknown>): Promise<PatchOp> {
  try {
    const schemaId = op.path && schemaOfPath(op.path, type);
    if (op.path && !schemaId) return isPassword(lookupTarget(type, op.path)) ? { ...op, value: await hash(op.value) } : op;
    // Without a path, or with a whole schema as path, the value is an object of attributes.
    const value = structuredClone(op.value);
    const holder = schemaId ? { [schemaId]: value } : value;
    for (const assignment of expandPathless(holder, type)) {
      if (!isPassword(assignment.target)) continue;
      const [outer, inner] = assignment.keys;
      const container = inner === undefined ? holder : (holder as Record<string, unknown>)[outer];
      if (isObject(container)) container[inner ?? outer] = await hash(assignment.value);
    }
    return { ...op, value };
  } catch (error) {
    if (error instanceof ScimError) return op;
    throw error;
  }
}
