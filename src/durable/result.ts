import { type ErrorReport, errorFrom, logStorageFailure, reportOf } from "../lib/error-report.ts";
import { isStorageFailure } from "../lib/storage-failure.ts";
import { ScimError, type ScimErrorData } from "../scim/errors.ts";

// Workers RPC keeps only message/name of a thrown Error, so the writer returns its outcome as data:
// the value, a SCIM error for the client, or the report of a bug (`internal`) for a 500.
export type WriteResult<T> = { ok: true; value: T } | { ok: false; error: ScimErrorData } | { ok: false; internal: ErrorReport };

/**
 * A storage failure inside a write (D1 unreachable, reset or overloaded) left nothing half-written,
 * since each write is one atomic batch, so the client may retry (Entra does). Anything else that is
 * not a ScimError is a bug, which a retry would only repeat.
 */
export async function capture<T>(work: () => Promise<T>): Promise<WriteResult<T>> {
  try {
    return { ok: true, value: await work() };
  } catch (error) {
    if (error instanceof ScimError) return { ok: false, error: error.toData() };
    if (!isStorageFailure(error)) return { ok: false, internal: reportOf(error) };
    logStorageFailure("write_failed", error);
    return { ok: false, error: unavailable().toData() };
  }
}

// A storage failure can come after D1 committed (the connection lost on the way back), so the
// message promises nothing about the write: a retry of one that landed answers as a repeat does.
export const unavailable = () => ScimError.retryLater(503, "storage is temporarily unavailable; retry the request", 30);

export function unwrap<T>(result: WriteResult<T>): T {
  if (result.ok) return result.value;
  if ("internal" in result) throw errorFrom(result.internal);
  throw ScimError.fromData(result.error);
}
