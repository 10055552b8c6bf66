import { ScimError, type ScimErrorData } from "../scim/errors.ts";

// Workers RPC keeps only message/name of a thrown Error, so the writer returns its outcome as data.
export type WriteResult<T> = { ok: true; value: T } | { ok: false; error: ScimErrorData };

/**
 * Anything but a ScimError inside a write is the storage failing (D1 unreachable, a batch
 * refused): the batch was atomic, so nothing landed, and the client should retry (Entra does).
 */
export async function capture<T>(work: () => Promise<T>): Promise<WriteResult<T>> {
  try {
    return { ok: true, value: await work() };
  } catch (error) {
    if (error instanceof ScimError) return { ok: false, error: error.toData() };
    console.error(JSON.stringify({ level: "error", event: "write_failed", error: (error as Error).message }));
    return { ok: false, error: unavailable().toData() };
  }
}

export const unavailable = () =>
  ScimError.retryLater(503, "storage is temporarily unavailable; nothing was changed, retry the request", 30);

export function unwrap<T>(result: WriteResult<T>): T {
  if (result.ok) return result.value;
  throw ScimError.fromData(result.error);
}
