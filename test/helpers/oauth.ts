import { env } from "cloudflare:test";
import { exports } from "cloudflare:workers";
import { vi } from "vitest";
import { exportJWK, generateKeyPair, type JWK, SignJWT } from "jose";
import * as oauthSql from "../../src/cli/oauth-sql.ts";
import { sha256Hex } from "../../src/lib/crypto.ts";
import { newClientId, newClientSecret, newHexId } from "../../src/lib/oauth-credentials.ts";

// OAuth state written with the CLI's own statements (src/cli/oauth-sql.ts), so the Worker is tested
// against exactly what `npm run tenant -- client|federation|auth ...` stores.

async function run(statements: string[]) {
  return (await env.DB.batch(statements.map((s) => env.DB.prepare(s)))).map((r) => r.results as any[]);
}

const DAY = 86_400_000;

async function newSecret(expiresAt: Date) {
  const secret = newClientSecret();
  const row = {
    secretId: newHexId(),
    hash: await sha256Hex(secret),
    createdAt: new Date().toISOString(),
    expiresAt: expiresAt.toISOString(),
  };
  return { secret, row };
}

export interface IssuedClient {
  clientId: string;
  secret: string;
  secretId: string;
}

export async function createClient(tenant: string, expiresAt = new Date(Date.now() + 365 * DAY)): Promise<IssuedClient> {
  const clientId = newClientId(tenant);
  const { secret, row } = await newSecret(expiresAt);
  const [client, secrets] = await run(oauthSql.createClient(tenant, clientId, row));
  if (client.length !== 1 || secrets.length !== 1) throw new Error(`no tenant ${tenant}`);
  return { clientId, secret, secretId: row.secretId };
}

export async function rotateClient(tenant: string, clientId: string): Promise<IssuedClient> {
  const { secret, row } = await newSecret(new Date(Date.now() + 365 * DAY));
  const [, inserted] = await run(oauthSql.addSecret(tenant, clientId, row));
  if (inserted.length !== 1) throw new Error(`no live client ${clientId}`);
  return { clientId, secret, secretId: row.secretId };
}

export const revokeSecret = (tenant: string, clientId: string, secretId: string) =>
  run(oauthSql.revokeSecret(tenant, clientId, secretId, new Date().toISOString()));

export const revokeClient = (tenant: string, clientId: string) => run(oauthSql.revokeClient(tenant, clientId, new Date().toISOString()));

export const setAuthSettings = (tenant: string, change: oauthSql.AuthSettingsChange) =>
  run(oauthSql.setAuthSettings(tenant, change, new Date().toISOString()));

export const setFederation = (tenant: string, settings: oauthSql.FederationSettings) =>
  run(oauthSql.setFederation(tenant, newHexId(), settings, new Date().toISOString()));

export const removeFederation = (tenant: string) => run(oauthSql.removeFederation(tenant));

export interface TokenCallOptions {
  /** Host header; default the tenant host. */
  host: string;
  form?: Record<string, string>;
  /** HTTP Basic credentials, form-encoded as RFC 6749 §2.3.1 says unless `raw`. */
  basic?: { id: string; secret: string };
  headers?: Record<string, string>;
  method?: string;
  /** CF-Connecting-IP; default a fresh address per call, so the per-address limit stays out of the way. */
  address?: string;
  body?: string;
}

/** A fresh IPv6 address from the documentation range (RFC 3849). */
export const randomAddress = () => `2001:db8::${crypto.randomUUID().slice(0, 4)}:${crypto.randomUUID().slice(0, 4)}`;

export async function tokenCall(options: TokenCallOptions) {
  const headers: Record<string, string> = {
    "Content-Type": "application/x-www-form-urlencoded",
    "CF-Connecting-IP": options.address ?? randomAddress(),
    ...options.headers,
  };
  if (options.basic) {
    const form = (v: string) => encodeURIComponent(v).replaceAll("%20", "+");
    headers.Authorization = `Basic ${btoa(`${form(options.basic.id)}:${form(options.basic.secret)}`)}`;
  }
  const method = options.method ?? "POST";
  const body = options.body ?? (method === "GET" ? undefined : new URLSearchParams(options.form ?? {}).toString());
  const response = await exports.default.fetch(new Request(`http://${options.host}/oauth/token`, { method, headers, body }));
  const text = await response.text();
  let parsed: any = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // keep the text: the assertion will show it
  }
  return { status: response.status, headers: response.headers, body: parsed };
}

export const CLIENT_CREDENTIALS = { grant_type: "client_credentials" };

/** An access token for a client, through the token endpoint (Basic). */
export async function accessToken(host: string, client: IssuedClient, form: Record<string, string> = {}): Promise<string> {
  const response = await tokenCall({
    host,
    basic: { id: client.clientId, secret: client.secret },
    form: { ...CLIENT_CREDENTIALS, ...form },
  });
  if (response.status !== 200) throw new Error(`token endpoint answered ${response.status}: ${JSON.stringify(response.body)}`);
  return response.body.access_token;
}

/** The JSON lines the Worker logged through a console.warn spy. */
export const loggedLines = (spy: { mock: { calls: unknown[][] } }): any[] => spy.mock.calls.map((call) => JSON.parse(String(call[0])));

// ---- Entra as a signer: a key pair made here, its JWKS served by a stubbed fetch ----

export interface EntraSigner {
  kid: string;
  privateKey: CryptoKey;
  jwk: JWK;
}

export async function entraSigner(kid = crypto.randomUUID()): Promise<EntraSigner> {
  const { privateKey, publicKey } = await generateKeyPair("RS256", { extractable: true });
  return { kid, privateKey, jwk: { ...(await exportJWK(publicKey)), kid, alg: "RS256", use: "sig" } };
}

export interface AssertionClaims {
  iss?: string;
  aud?: string;
  sub?: string;
  tid?: string;
  /** Seconds from now. */
  exp?: number;
  nbf?: number;
  [claim: string]: unknown;
}

export async function signJwt(signer: EntraSigner, claims: AssertionClaims, kid = signer.kid): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const { exp = 600, nbf = -60, ...rest } = claims;
  return new SignJWT({ ...rest })
    .setProtectedHeader({ alg: "RS256", typ: "JWT", kid })
    .setIssuedAt(now + Math.min(nbf, 0))
    .setNotBefore(now + nbf)
    .setExpirationTime(now + exp)
    .sign(signer.privateKey);
}

/**
 * Stubs the Worker's outbound fetch: each served URL answers its JWKS, anything else 404.
 * vi.restoreAllMocks() takes it away.
 */
export function stubJwks() {
  const served = new Map<string, JWK[]>();
  const spy = vi.spyOn(globalThis, "fetch").mockImplementation(async (input: RequestInfo | URL) => {
    const keys = served.get(input instanceof Request ? input.url : String(input));
    return keys ? Response.json({ keys }) : new Response("not found", { status: 404 });
  });
  return {
    serve: (url: string, keys: JWK[]) => served.set(url, keys),
    /** From now on the URL answers 404. */
    withdraw: (url: string) => served.delete(url),
    fetchesOf: (url: string) => spy.mock.calls.filter(([input]) => (input instanceof Request ? input.url : String(input)) === url).length,
  };
}
