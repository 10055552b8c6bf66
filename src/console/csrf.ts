import type { Context } from "hono";
import { requestUrl } from "../http/url.ts";
import { ConsoleError } from "./errors.ts";

// Cross-site request forgery: every state-changing form carries an HMAC of the session under
// ACCESS_TOKEN_SECRET (another site cannot compute it), and every POST must come from this origin.
// SameSite=Strict on the cookie is the third layer, not the only one: older browsers ignore it.

const encoder = new TextEncoder();
const keys = new Map<string, Promise<CryptoKey>>();

function hmacKey(secret: string) {
  let key = keys.get(secret);
  if (!key) {
    key = crypto.subtle.importKey("raw", encoder.encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign", "verify"]);
    keys.set(secret, key);
  }
  return key;
}

const base64url = (bytes: ArrayBuffer) =>
  btoa(String.fromCharCode(...new Uint8Array(bytes)))
    .replaceAll("+", "-")
    .replaceAll("/", "_")
    .replace(/=+$/, "");

function secretOf(secret: string | undefined): string {
  if (!secret) throw new ConsoleError(503, "ACCESS_TOKEN_SECRET is not set, so the console cannot protect its forms (README: Console)");
  return secret;
}

const mac = async (secret: string | undefined, message: string) =>
  base64url(await crypto.subtle.sign("HMAC", await hmacKey(secretOf(secret)), encoder.encode(message)));

export const csrfToken = (secret: string | undefined, sessionId: string) => mac(secret, `console-csrf:${sessionId}`);

/**
 * A confirm form's one-use token: an HMAC of the session and the state the action changes (such as
 * the current token's hash). Once the action has run the state differs, so a re-POST (a refreshed
 * result page) no longer matches.
 */
export const actionNonce = (secret: string | undefined, sessionId: string, state: string) =>
  mac(secret, `console-action:${sessionId}:${state}`);

export function sameToken(expected: string, sent: unknown): boolean {
  const a = encoder.encode(expected);
  const b = encoder.encode(typeof sent === "string" ? sent : "");
  return a.byteLength === b.byteLength && crypto.subtle.timingSafeEqual(a, b);
}

/** The request came from a page of this origin: browsers send Origin on every POST. */
export function assertSameOrigin(c: Context) {
  if (c.req.header("Origin") !== requestUrl(c).origin) throw new ConsoleError(403, "this form was not sent from the console's own pages");
}

/** Refuses a POST without this session's token (or from another origin). */
export async function assertCsrf(c: Context, secret: string | undefined, sessionId: string, sent: unknown) {
  assertSameOrigin(c);
  if (!sameToken(await csrfToken(secret, sessionId), sent))
    throw new ConsoleError(403, "the form's security token is missing or stale: reload the page and try again");
}
