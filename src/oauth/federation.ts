// Workload identity federation: Entra signs a JWT about its own identity and the client presents it
// as client_assertion (RFC 7523 §2.2). It authenticates the client when it checks out against the
// tenant's federation configuration (RFC 7523 §3); every refusal is invalid_client with the reason
// logged (RFC 7521 §4.2.1).

import { decodeJwt, errors, jwtVerify } from "jose";
import { entraJwksUrl, jwksUrlProblem } from "../lib/oauth-credentials.ts";
import type { FederationRow } from "../db/oauth.ts";
import { clientAuthFailed, type FailureReason } from "./errors.ts";
import { remoteKeys } from "./jwks.ts";

// RFC 7523 §3 leaves skew to the server; Microsoft documents 5 minutes for its tokens.
export const CLOCK_SKEW_SECONDS = 300;

/** The claims that pick the federation, read before the signature is checked (and trusted only after). */
export interface AssertionClaims {
  tid: string | undefined;
  sub: string;
}

export function readAssertionClaims(assertion: string): AssertionClaims {
  let payload;
  try {
    payload = decodeJwt(assertion);
  } catch {
    throw clientAuthFailed("malformed_assertion");
  }
  // RFC 7523 §3: sub is required, and names the client.
  if (typeof payload.sub !== "string" || payload.sub === "") throw clientAuthFailed("malformed_assertion");
  return { tid: typeof payload.tid === "string" ? payload.tid : undefined, sub: payload.sub };
}

function refusalReason(error: unknown): FailureReason {
  if (error instanceof errors.JWTExpired) return "assertion_expired";
  if (error instanceof errors.JWTClaimValidationFailed) {
    if (error.claim === "iss") return "bad_issuer";
    if (error.claim === "aud") return "bad_audience";
    if (error.claim === "nbf") return "assertion_not_yet_valid";
    return "bad_claims";
  }
  if (error instanceof errors.JWSSignatureVerificationFailed) return "bad_signature";
  if (error instanceof errors.JWKSNoMatchingKey) return "unknown_kid";
  if (error instanceof errors.JWSInvalid || error instanceof errors.JWTInvalid || error instanceof errors.JOSEAlgNotAllowed) {
    return "malformed_assertion";
  }
  // What is left is the key fetch: a timeout, a network error, a non-200 or a body that is no JWKS.
  return "jwks_unavailable";
}

/** Resolves when the assertion proves the federated identity; throws invalid_client otherwise. */
export async function verifyAssertion(assertion: string, federation: FederationRow): Promise<void> {
  const jwksUrl = federation.jwksUrl ?? entraJwksUrl(federation.entraTenantId);
  // The CLI checks this too; a row written some other way must still not send us to plain http.
  if (jwksUrlProblem(jwksUrl) !== null) throw clientAuthFailed("jwks_unavailable");
  let payload;
  try {
    ({ payload } = await jwtVerify(assertion, remoteKeys(jwksUrl), {
      // Entra signs its tokens with RS256.
      algorithms: ["RS256"],
      issuer: `https://login.microsoftonline.com/${federation.entraTenantId}/v2.0`,
      audience: federation.audiences.split(" "),
      clockTolerance: CLOCK_SKEW_SECONDS,
      requiredClaims: ["exp", "sub", "aud", "iss"],
    }));
  } catch (error) {
    const reason = refusalReason(error);
    // jose's messages name the claim or the fetch that failed, never the token's content.
    throw clientAuthFailed(reason, { detail: error instanceof Error ? error.message : String(error) });
  }
  if (payload.tid !== federation.entraTenantId) throw clientAuthFailed("bad_tid");
  if (payload.sub !== federation.subject) throw clientAuthFailed("bad_subject");
}
