import type { Context } from "hono";
import { requestUrl } from "./url.ts";

export const SCIM_CONTENT_TYPE = "application/scim+json";

export function scimJson(c: Context, body: unknown, status = 200, headers: Record<string, string> = {}) {
  return c.body(JSON.stringify(body), status as 200, { "Content-Type": SCIM_CONTENT_TYPE, ...headers });
}

/** Absolute base of the SCIM API as the client called it ("https://acme.example.com/scim/v2"). */
export function scimBase(c: Context): string {
  const url = requestUrl(c);
  const prefix = url.pathname.match(/^\/scim(?:\/v2)?(?=\/|$)/i)?.[0] ?? "/scim/v2";
  return `${url.protocol}//${url.host}${prefix}`;
}
