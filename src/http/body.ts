import type { Context } from "hono";
import { badRequest, ScimError } from "../scim/errors.ts";
import { MAX_PAYLOAD_BYTES } from "../scim/limits.ts";

const tooLarge = () => new ScimError(413, `request body larger than ${MAX_PAYLOAD_BYTES} bytes`);

/** Reads a JSON body of any JSON-ish content type (Entra sends application/scim+json), bounded in size. */
export async function readJson(c: Context): Promise<unknown> {
  const declared = Number(c.req.header("Content-Length") ?? "0");
  if (declared > MAX_PAYLOAD_BYTES) throw tooLarge();
  const text = await c.req.text();
  if (new TextEncoder().encode(text).byteLength > MAX_PAYLOAD_BYTES) throw tooLarge();
  if (!text.trim()) throw badRequest("invalidSyntax", "the request body is empty");
  try {
    return JSON.parse(text);
  } catch {
    throw badRequest("invalidSyntax", "the request body is not valid JSON");
  }
}
