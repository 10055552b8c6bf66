import { badRequest } from "../errors.ts";
import { MAX_PATCH_OPERATIONS } from "../limits.ts";
import type { PatchPath } from "../filter/ast.ts";
import { parsePatchPath } from "../filter/parse.ts";
import { getKey, isObject } from "./values.ts";

export type PatchOp = { op: "add" | "replace" | "remove"; path?: PatchPath; value?: unknown };

export const PATCH_OP_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:PatchOp";

const OPS = new Set(["add", "replace", "remove"]);

/**
 * Checks a PatchOp message (RFC 7644 §3.5.2) and returns its operations with parsed paths. Member
 * names and op names are matched case-insensitively: Entra's default dialect sends "Replace".
 */
export function normalisePatchRequest(body: unknown): PatchOp[] {
  if (!isObject(body)) throw badRequest("invalidSyntax", "the PATCH body must be a JSON object");
  // RFC 7644 §3.5.2: "The body of each request MUST contain the 'schemas' attribute" with the PatchOp URN.
  const schemas = getKey(body, "schemas");
  const wanted = PATCH_OP_SCHEMA.toLowerCase();
  const hasSchema = Array.isArray(schemas) && schemas.some((s) => typeof s === "string" && s.toLowerCase() === wanted);
  if (!hasSchema) throw badRequest("invalidSyntax", `'schemas' must contain "${PATCH_OP_SCHEMA}"`);

  const operations = getKey(body, "Operations");
  if (!Array.isArray(operations) || operations.length === 0) {
    throw badRequest("invalidSyntax", "'Operations' must be an array of one or more operations");
  }
  if (operations.length > MAX_PATCH_OPERATIONS) {
    const detail = `at most ${MAX_PATCH_OPERATIONS} operations per request, got ${operations.length}`;
    throw badRequest("invalidSyntax", detail);
  }
  return operations.map(normaliseOperation);
}

function normaliseOperation(raw: unknown, index: number): PatchOp {
  const where = `Operations[${index}]`;
  if (!isObject(raw)) throw badRequest("invalidSyntax", `${where} must be an object`);
  const opName = getKey(raw, "op");
  const op = typeof opName === "string" ? opName.toLowerCase() : undefined;
  if (!op || !OPS.has(op)) {
    const detail = `${where}: unknown op ${JSON.stringify(opName ?? null)} (use add, replace or remove)`;
    throw badRequest("invalidSyntax", detail);
  }

  // An empty path is what some clients send for "no path".
  const rawPath = getKey(raw, "path");
  if (rawPath !== undefined && rawPath !== null && typeof rawPath !== "string") {
    throw badRequest("invalidPath", `${where}: path must be a string`);
  }
  const path = rawPath ? parsePatchPath(rawPath) : undefined;
  const value = getKey(raw, "value");

  // RFC 7644 §3.5.2.2: remove without a path is noTarget.
  if (op === "remove" && !path) throw badRequest("noTarget", `${where}: remove needs a path`);
  // RFC 7644 §3.5.2.1/3.5.2.3: add and replace carry a value (null is kept: Entra clears with it).
  if (op !== "remove" && value === undefined) throw badRequest("invalidSyntax", `${where}: ${op} needs a value`);

  return {
    op: op as PatchOp["op"],
    ...(path ? { path } : {}),
    ...(value !== undefined ? { value } : {}),
  };
}
