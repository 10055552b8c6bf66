// RFC 6749 §4.4.2 access token request -> a checked TokenRequest. Pure apart from reading the
// body, so every malformed form is decided here, before any storage is touched.

import { clientAuthFailed, invalidRequest, OAuthError } from "./errors.ts";

export const JWT_BEARER_ASSERTION = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

/** Assertions are a few KB; anything much bigger is not a token request. */
export const MAX_TOKEN_REQUEST_BYTES = 16 * 1024;

// RFC 6749 §2.3.1: HTTP Basic or client_id/client_secret in the body (Entra's engine and
// Microsoft's validator differ on which). RFC 7523 §2.2: a JWT the client's identity provider
// signed; a client_id sent with it must be its sub (§3).
export type ClientAuth =
  | { kind: "secret"; via: "basic" | "body"; clientId: string; secret: string }
  | { kind: "assertion"; assertion: string; clientId?: string };

export interface TokenRequest {
  auth: ClientAuth;
  /** Echoed in the response when present (RFC 6749 §3.3). */
  scope?: string;
}

export interface RawTokenRequest {
  contentType: string | undefined;
  authorization: string | undefined;
  body: ReadableStream<Uint8Array> | null;
}

/** The body as text, refusing more than `limit` bytes without reading them all. */
async function readBounded(body: ReadableStream<Uint8Array> | null, limit: number): Promise<string> {
  if (!body) return "";
  const decoder = new TextDecoder();
  let size = 0;
  let text = "";
  for await (const chunk of body) {
    size += chunk.byteLength;
    if (size > limit) throw invalidRequest("body_too_large", `the request body is larger than ${limit} bytes`);
    text += decoder.decode(chunk, { stream: true });
  }
  return text + decoder.decode();
}

/** RFC 6749 §3.2: each parameter at most once; one sent without a value counts as omitted. */
function formParameters(text: string): Map<string, string> {
  const params = new Map<string, string>();
  for (const [name, value] of new URLSearchParams(text)) {
    if (params.has(name)) throw invalidRequest("duplicate_parameter", `parameter ${name} is repeated`);
    params.set(name, value);
  }
  for (const [name, value] of params) if (value === "") params.delete(name);
  return params;
}

// RFC 6749 §3.3: scope = scope-token *( SP scope-token ), scope-token = 1*( %x21 / %x23-5B / %x5D-7E )
const SCOPE = /^[\x21\x23-\x5B\x5D-\x7E]+(?: [\x21\x23-\x5B\x5D-\x7E]+)*$/;

/** application/x-www-form-urlencoded decoding, which RFC 6749 §2.3.1 applies to Basic's two halves. */
function formDecode(value: string): string {
  return decodeURIComponent(value.replaceAll("+", " "));
}

function basicCredentials(encoded: string): { clientId: string; secret: string } {
  const malformed = () => clientAuthFailed("malformed_basic", { basicChallenge: true });
  let decoded: string;
  try {
    const binary = atob(encoded.trim());
    const bytes = Uint8Array.from(binary, (ch) => ch.charCodeAt(0));
    decoded = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    throw malformed();
  }
  const colon = decoded.indexOf(":");
  if (colon < 0) throw malformed();
  let clientId: string;
  let secret: string;
  try {
    clientId = formDecode(decoded.slice(0, colon));
    secret = formDecode(decoded.slice(colon + 1));
  } catch {
    throw malformed();
  }
  if (!clientId || !secret) throw malformed();
  return { clientId, secret };
}

function clientAuth(authorization: string | undefined, params: Map<string, string>): ClientAuth {
  const scheme = authorization?.match(/^(\S+)\s+(\S+)\s*$/);
  if (authorization !== undefined && scheme?.[1].toLowerCase() !== "basic") {
    throw invalidRequest("unsupported_auth_scheme", "the Authorization header must use the Basic scheme");
  }
  const basic = scheme ? basicCredentials(scheme[2]) : undefined;
  const hasSecret = params.has("client_secret");
  const hasAssertion = params.has("client_assertion") || params.has("client_assertion_type");
  // RFC 6749 §2.3: a client must not use more than one authentication method in a request.
  if ([basic !== undefined, hasSecret, hasAssertion].filter(Boolean).length > 1) {
    throw invalidRequest("several_auth_methods", "use exactly one client authentication method");
  }
  const clientId = params.get("client_id");
  if (basic) {
    if (clientId !== undefined && clientId !== basic.clientId) {
      throw invalidRequest("client_id_mismatch", "client_id differs from the client in the Authorization header");
    }
    return { kind: "secret", via: "basic", ...basic };
  }
  if (hasSecret) {
    if (clientId === undefined) throw invalidRequest("no_client_auth", "client_secret needs client_id");
    return { kind: "secret", via: "body", clientId, secret: params.get("client_secret") as string };
  }
  if (hasAssertion) {
    // RFC 7521 §4.2: both parameters, and a type we understand.
    if (params.get("client_assertion_type") !== JWT_BEARER_ASSERTION) {
      throw invalidRequest("unsupported_assertion_type", `client_assertion_type must be ${JWT_BEARER_ASSERTION}`);
    }
    const assertion = params.get("client_assertion");
    if (assertion === undefined) throw invalidRequest("malformed_assertion", "client_assertion is missing");
    return { kind: "assertion", assertion, clientId };
  }
  throw clientAuthFailed("no_client_auth");
}

export async function parseTokenRequest(raw: RawTokenRequest): Promise<TokenRequest> {
  // RFC 6749 §4.4.2 / Appendix B: the parameters are form-encoded.
  const mediaType = raw.contentType?.split(";")[0].trim().toLowerCase();
  if (mediaType !== "application/x-www-form-urlencoded") {
    throw invalidRequest("bad_content_type", "the body must be application/x-www-form-urlencoded");
  }
  const params = formParameters(await readBounded(raw.body, MAX_TOKEN_REQUEST_BYTES));
  const grantType = params.get("grant_type");
  if (grantType === undefined) throw invalidRequest("missing_grant_type", "grant_type is required");
  if (grantType !== "client_credentials") {
    throw new OAuthError("unsupported_grant_type", "unsupported_grant_type", "only grant_type=client_credentials is supported");
  }
  const scope = params.get("scope");
  if (scope !== undefined && !SCOPE.test(scope)) {
    throw new OAuthError("invalid_scope", "bad_scope_syntax", "scope must be space-separated scope tokens (RFC 6749 §3.3)");
  }
  return { auth: clientAuth(raw.authorization, params), scope };
}
