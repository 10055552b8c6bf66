// Standard Webhooks signing (https://www.standardwebhooks.com): shared by the Worker and the
// operator CLI (Node 22), so only Web Crypto.

const encoder = new TextEncoder();
const SECRET_PREFIX = "whsec_";

const base64 = (bytes: Uint8Array) => btoa(String.fromCharCode(...bytes));

/** `whsec_` and base64 of 32 random bytes, as the spec defines a secret. */
export const newWebhookSecret = () => SECRET_PREFIX + base64(crypto.getRandomValues(new Uint8Array(32)));

export const WEBHOOK_SECRET = /^whsec_[A-Za-z0-9+/]{43}=$/;

function hmacKey(secret: string) {
  const raw = Uint8Array.from(atob(secret.slice(SECRET_PREFIX.length)), (ch) => ch.charCodeAt(0));
  return crypto.subtle.importKey("raw", raw, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
}

/** One `v1,<base64 HMAC-SHA256 of "{id}.{timestamp}.{body}">`. */
export async function sign(secret: string, id: string, timestamp: number, body: string): Promise<string> {
  const mac = await crypto.subtle.sign("HMAC", await hmacKey(secret), encoder.encode(`${id}.${timestamp}.${body}`));
  return `v1,${base64(new Uint8Array(mac))}`;
}

/** The `webhook-signature` header: one signature per live secret, space-separated (a rotation's old one too). */
export async function signatureHeader(secrets: readonly string[], id: string, timestamp: number, body: string): Promise<string> {
  return (await Promise.all(secrets.map((s) => sign(s, id, timestamp, body)))).join(" ");
}
