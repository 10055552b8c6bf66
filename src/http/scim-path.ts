import { getPath } from "hono/utils/url";

// Microsoft's reference server and Entra's tolerance treat SCIM endpoint names case-insensitively
// (Microsoft's own Postman collection sends `/scim/v2/users`), but Hono matches routes exactly.
// So the router sees each request's path with the prefix and endpoint names in their canonical
// case; ids and everything after them are left as sent, since ids are case-sensitive.

const ENDPOINTS = ["Users", "Groups", "Bulk", ".search", "Me", "ServiceProviderConfig", "ResourceTypes", "Schemas"];
const CANONICAL = new Map(ENDPOINTS.map((name) => [name.toLowerCase(), name]));

// The prefix, the endpoint and a second segment, which is a name only for `/{type}/.search`.
const SCIM_PATH = /^\/scim(\/v2)?\/([^/]+)(\/\.search(?=\/?$))?/i;

export function canonicalScimPath(path: string): string {
  const match = SCIM_PATH.exec(path);
  if (!match) return path;
  const [whole, v2, endpoint, search] = match;
  const name = CANONICAL.get(endpoint.toLowerCase()) ?? endpoint;
  const canonical = `/scim${v2 ? "/v2" : ""}/${name}${search ? "/.search" : ""}`;
  return canonical === whole ? path : canonical + path.slice(whole.length);
}

/** Hono's `getPath`: the request's path as the router should match it. */
export const scimRoutingPath = (request: Request): string => canonicalScimPath(getPath(request));
