import { env } from "cloudflare:test";
import { exports } from "cloudflare:workers";
import { insertAdminKey, revokeAdminKey } from "../../src/cli/admin-key/sql.ts";
import { ALL_TENANTS, newAdminKey, newAdminKeyId } from "../../src/lib/admin-keys.ts";
import { sha256Hex } from "../../src/lib/crypto.ts";

// Admin keys stored with the CLI's own statements (src/cli/admin-key/sql.ts), and requests to the
// admin API on the single-host origin as the SaaS product's backend sends them.

export interface IssuedAdminKey {
  id: string;
  key: string;
}

export async function createAdminKey(scope: string = ALL_TENANTS): Promise<IssuedAdminKey> {
  const id = newAdminKeyId();
  const key = newAdminKey();
  const { results } = await env.DB.prepare(insertAdminKey(id, await sha256Hex(key), scope, new Date().toISOString())).run();
  if (results.length !== 1) throw new Error(`no tenant ${scope}`);
  return { id, key };
}

export async function revokeAdminKeyById(id: string) {
  await env.DB.batch(revokeAdminKey(id, new Date().toISOString()).map((s) => env.DB.prepare(s)));
}

export interface AdminResponse {
  status: number;
  headers: Headers;
  body: any;
}

/** GET {path} under /admin/v1 on `host` (default the single-host origin), with `token` as the bearer. */
export const adminGet = (path: string, token: string | undefined, host = "localhost") => adminRequest("GET", path, token, undefined, host);

/** Any method; `payload` is sent as JSON. */
export async function adminRequest(
  method: string,
  path: string,
  token: string | undefined,
  payload?: unknown,
  host = "localhost",
): Promise<AdminResponse> {
  const headers: Record<string, string> = token === undefined ? {} : { Authorization: `Bearer ${token}` };
  if (payload !== undefined) headers["Content-Type"] = "application/json";
  const response = await exports.default.fetch(
    new Request(`http://${host}/admin/v1${path}`, { method, headers, body: payload === undefined ? undefined : JSON.stringify(payload) }),
  );
  const text = await response.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // leave as text: the test will say what came back
  }
  return { status: response.status, headers: response.headers, body };
}

/** Every page of a snapshot listing, following nextCursor; the asOfSeq of its first page. */
export async function readAll(path: string, key: string): Promise<{ data: any[]; asOfSeq: number }> {
  const data: any[] = [];
  let cursor: string | null = null;
  let asOfSeq: number | undefined;
  do {
    const sep = path.includes("?") ? "&" : "?";
    const page = await adminGet(`${path}${cursor ? `${sep}cursor=${cursor}` : ""}`, key);
    if (page.status !== 200) throw new Error(`${path}: ${page.status} ${JSON.stringify(page.body)}`);
    asOfSeq ??= page.body.asOfSeq;
    data.push(...page.body.data);
    cursor = page.body.nextCursor;
  } while (cursor);
  return { data, asOfSeq: asOfSeq ?? 0 };
}
