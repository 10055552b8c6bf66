// Captured bodies never hold a password, a token or a secret (README: Provisioning log). Redaction
// goes by attribute name, at any depth, and by a PATCH operation's path (whose value is then the
// secret). A body that does not parse cannot be redacted by name, so it is not kept at all.

const SECRET_NAME = /password|secret|token|assertion|credential|authorization|api[-_]?key/i;
const REDACTED = "[redacted]";
/** Bodies longer than this are cut after redaction; the log is for reading, not for replay. */
export const MAX_BODY_CHARS = 8192;

function redactValue(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(redactValue);
  if (value === null || typeof value !== "object") return value;
  const object = value as Record<string, unknown>;
  // A PATCH operation {"op": "replace", "path": "password", "value": "..."}.
  const secretPath = typeof object.path === "string" && SECRET_NAME.test(object.path);
  const out: Record<string, unknown> = {};
  for (const [key, inner] of Object.entries(object)) {
    out[key] = SECRET_NAME.test(key) || (secretPath && key.toLowerCase() === "value") ? REDACTED : redactValue(inner);
  }
  return out;
}

const cut = (text: string) => (text.length > MAX_BODY_CHARS ? `${text.slice(0, MAX_BODY_CHARS)}…[cut at ${MAX_BODY_CHARS} chars]` : text);

/** JSON or form-encoded `text` with every secret replaced; null when empty; a note when it does not parse. */
export function redactBody(text: string, contentType: string | undefined): string | null {
  if (!text.trim()) return null;
  if (contentType?.toLowerCase().includes("application/x-www-form-urlencoded")) {
    const form = new URLSearchParams(text);
    for (const key of new Set(form.keys())) if (SECRET_NAME.test(key)) form.set(key, REDACTED);
    return cut(form.toString());
  }
  try {
    return cut(JSON.stringify(redactValue(JSON.parse(text))));
  } catch {
    return `[${text.length} chars that are not JSON: not kept, since they cannot be redacted]`;
  }
}
