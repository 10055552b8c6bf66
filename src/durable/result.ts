import { ScimError, type ScimErrorData } from "../scim/errors.ts";

// Workers RPC keeps only message/name of a thrown Error, so the writer returns its outcome as data.
export type WriteResult<T> = { ok: true; value: T } | { ok: false; error: ScimErrorData };

export async function capture<T>(work: () => Promise<T>): Promise<WriteResult<T>> {
  try {
    return { ok: true, value: await work() };
  } catch (error) {
    if (error instanceof ScimError) return { ok: false, error: error.toData() };
    throw error;
  }
}

export function unwrap<T>(result: WriteResult<T>): T {
  if (result.ok) return result.value;
  throw ScimError.fromData(result.error);
}
