import type { Context } from "hono";

// A request's URL is needed by auth (its host), by every body that carries a location (the SCIM
// base) and so on: parsed once per request, not by each of them.
const parsed = new WeakMap<Request, URL>();

export function requestUrl(c: Context): URL {
  let url = parsed.get(c.req.raw);
  if (!url) {
    url = new URL(c.req.url);
    parsed.set(c.req.raw, url);
  }
  return url;
}
