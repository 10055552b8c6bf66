import { badParam } from "./errors.ts";

// A snapshot cursor: which listing it continues (tenant and kind, so it cannot be replayed against
// another), the seq the first page was read at, and the last id returned (keyset pagination).
// Opaque to clients (base64url JSON) and checked field by field when it comes back.

export interface SnapshotCursor {
  tenant: string;
  /** "users", "groups" or "members/{groupId}". */
  kind: string;
  asOfSeq: number;
  after: string;
}

const MAX_CURSOR = 2048;

export function encodeCursor(cursor: SnapshotCursor): string {
  const json = JSON.stringify([cursor.tenant, cursor.kind, cursor.asOfSeq, cursor.after]);
  return btoa(String.fromCharCode(...new TextEncoder().encode(json)))
    .replaceAll("+", "-")
    .replaceAll("/", "_")
    .replace(/=+$/, "");
}

const invalid = () => badParam("cursor is not one this listing handed out: start again without a cursor");

/** The cursor as handed out for this tenant and kind, or a 400. */
export function decodeCursor(text: string, tenant: string, kind: string): SnapshotCursor {
  if (text.length > MAX_CURSOR || !/^[A-Za-z0-9_-]+$/.test(text)) throw invalid();
  let parsed: unknown;
  try {
    const binary = atob(text.replaceAll("-", "+").replaceAll("_", "/"));
    parsed = JSON.parse(
      new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(Uint8Array.from(binary, (ch) => ch.charCodeAt(0))),
    );
  } catch {
    throw invalid();
  }
  if (!Array.isArray(parsed) || parsed.length !== 4) throw invalid();
  const [t, k, seq, after] = parsed;
  if (t !== tenant || k !== kind || !Number.isSafeInteger(seq) || seq < 0 || typeof after !== "string" || after === "") throw invalid();
  return { tenant, kind, asOfSeq: seq, after };
}
