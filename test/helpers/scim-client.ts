import { env } from "cloudflare:test";
import { exports } from "cloudflare:workers";
import { generateToken, sha256Hex } from "../../src/lib/crypto.ts";
import { tokenKey } from "../../src/lib/token-store.ts";

export const USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User";
export const ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
export const PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp";

export interface Tenant {
  name: string;
  token: string;
  client: ScimClient;
}

/** Onboards a tenant the way the CLI does: a tenants row and the token's hash in KV. */
export async function createTenant(prefix = "t"): Promise<Tenant> {
  const name = `${prefix}${crypto.randomUUID().slice(0, 8)}`;
  const token = generateToken();
  const hash = await sha256Hex(token);
  await env.DB.prepare("INSERT INTO tenants (id, token_hash, created_at) VALUES (?, ?, ?)")
    .bind(name, hash, new Date().toISOString())
    .run();
  await env.TOKENS.put(tokenKey(hash), JSON.stringify({ tenant: name, createdAt: new Date().toISOString() }));
  return { name, token, client: scimClient({ host: `${name}.localhost`, token }) };
}

export interface ClientOptions {
  host: string;
  token?: string;
  prefix?: string;
}

export interface ScimResponse {
  status: number;
  headers: Headers;
  body: any;
}

export type ScimClient = ReturnType<typeof scimClient>;

export function scimClient({ host, token, prefix = "/scim/v2" }: ClientOptions) {
  async function request(method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
    const init: RequestInit = {
      method,
      headers: {
        ...(token ? { Authorization: `Bearer ${token}` } : {}),
        ...(body !== undefined ? { "Content-Type": "application/scim+json" } : {}),
        ...headers,
      },
      body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
    };
    const response = await exports.default.fetch(new Request(`http://${host}${prefix}${path}`, init));
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      // leave as text: the test will say what came back
    }
    return { status: response.status, headers: response.headers, body: parsed as any };
  }
  return {
    request,
    get: (path: string, headers?: Record<string, string>) => request("GET", path, undefined, headers),
    post: (path: string, body: unknown, headers?: Record<string, string>) => request("POST", path, body, headers),
    put: (path: string, body: unknown) => request("PUT", path, body),
    patch: (path: string, body: unknown, headers?: Record<string, string>) => request("PATCH", path, body, headers),
    delete: (path: string) => request("DELETE", path),
  };
}

/** The create body Entra sends (entra-scim.md), with the given userName. */
export function entraUser(userName: string, overrides: Record<string, unknown> = {}) {
  return {
    schemas: [USER_SCHEMA, ENTERPRISE],
    externalId: crypto.randomUUID(),
    userName,
    active: true,
    emails: [{ primary: true, type: "work", value: `${userName.toLowerCase()}@testuser.com` }],
    meta: { resourceType: "User" },
    name: { formatted: "givenName familyName", familyName: "familyName", givenName: "givenName" },
    roles: [],
    ...overrides,
  };
}

export const q = (filter: string) => encodeURIComponent(filter);

/** Adds a schema extension to a tenant the way the operator CLI stores it. */
export async function addExtension(
  tenant: string,
  urn: string,
  attributes: Record<string, unknown>[],
  options: { resourceType?: "User" | "Group"; required?: boolean } = {},
) {
  const defaults = {
    multiValued: false,
    required: false,
    caseExact: false,
    mutability: "readWrite",
    returned: "default",
    uniqueness: "none",
    description: "",
  };
  await env.DB.prepare(
    "INSERT INTO tenant_schemas (tenant_id, urn, resource_type, required, attributes, created_at) VALUES (?, ?, ?, ?, ?, ?)",
  )
    .bind(
      tenant,
      urn,
      options.resourceType ?? "User",
      options.required ? 1 : 0,
      JSON.stringify(attributes.map((a) => ({ ...defaults, description: String(a.name), ...a }))),
      new Date().toISOString(),
    )
    .run();
}

/** Sets a tenant's provisioning policy the way the operator CLI stores it. */
export async function setSettings(
  tenant: string,
  settings: { allowedDomains?: string[]; deleteMode?: "hard" | "soft"; groupsEnabled?: boolean; rateLimitPerSecond?: number },
) {
  await env.DB.prepare(
    "INSERT OR REPLACE INTO tenant_settings (tenant_id, allowed_domains, delete_mode, groups_enabled, rate_limit_per_second, updated_at) VALUES (?, ?, ?, ?, ?, ?)",
  )
    .bind(
      tenant,
      JSON.stringify(settings.allowedDomains ?? []),
      settings.deleteMode ?? "hard",
      settings.groupsEnabled === false ? 0 : 1,
      settings.rateLimitPerSecond ?? null,
      new Date().toISOString(),
    )
    .run();
}
