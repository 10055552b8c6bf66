// OAuth client credentials as the CLI issues them and the Worker checks them. Web Crypto only,
// so both Node 22 and the Workers runtime run it.

import { generateToken } from "./crypto.ts";

function randomHex(bytes: number): string {
  return Array.from(crypto.getRandomValues(new Uint8Array(bytes)), (b) => b.toString(16).padStart(2, "0")).join("");
}

/**
 * "{tenant}.{32 hex}". Tenant names are DNS labels, which have no dot, so the last dot splits the
 * id unambiguously, and the single-host token endpoint learns the tenant from the id alone.
 */
export const newClientId = (tenant: string) => `${tenant}.${randomHex(16)}`;

// The tenant part is TENANT_NAME (token-store.ts).
export const CLIENT_ID = /^([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)\.[0-9a-f]{32}$/;

export const tenantOfClientId = (clientId: string): string | null => CLIENT_ID.exec(clientId)?.[1] ?? null;

/** 256 random bits (Microsoft's gallery asks for strong secrets); the prefix makes leaks greppable. */
export const newClientSecret = () => generateToken("scs_");

/** Secret ids (shown by `client list`, named by `client revoke --secret-id`) and federation ids. */
export const HEX_ID = /^[0-9a-f]{16}$/;
export const newHexId = () => randomHex(8);

/** Microsoft's gallery requirements: client secrets expire, after at most 3 years. */
export const DEFAULT_SECRET_DAYS = 365;
export const MAX_SECRET_DAYS = 3 * 365;

/** expires_in of issued access tokens: Microsoft's accepted range, and our default. */
export const MIN_ACCESS_TOKEN_SECONDS = 3_600;
export const MAX_ACCESS_TOKEN_SECONDS = 21_600;
export const DEFAULT_ACCESS_TOKEN_SECONDS = 3_600;

/** A tenant's authentication methods: what `show` reports and /ServiceProviderConfig advertises. */
export type AuthMethod = "secretToken" | "clientCredentials" | "federation" | "entraToken";

// Microsoft Entra ID, for workload identity federation and Entra's own bearer token.
export const ENTRA_TENANT_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
export const entraJwksUrl = (tid: string) => `https://login.microsoftonline.com/${tid}/discovery/v2.0/keys`;

/**
 * A JWKS URL the Worker may fetch: https, or http on a loopback host (local stand-ins for tests
 * and staging). Returns the reason it is refused, or null.
 */
export function jwksUrlProblem(value: string): string | null {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return "is not a URL";
  }
  if (url.username || url.password) return "must not carry credentials";
  if (url.protocol === "https:") return null;
  const loopback = url.hostname === "localhost" || url.hostname === "[::1]" || /^127(\.\d{1,3}){3}$/.test(url.hostname);
  return url.protocol === "http:" && loopback ? null : "must use https (http only for loopback hosts)";
}
