// Workload identity federation (RFC 7523 client assertions signed by Entra): a key pair made in the
// test stands in for Entra, its JWKS answered by a stubbed outbound fetch (local-runtime.md).

import { env } from "cloudflare:test";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { entraJwksUrl } from "../../src/lib/oauth-credentials.ts";
import { JWT_BEARER_ASSERTION } from "../../src/oauth/token-request.ts";
import {
  CLIENT_CREDENTIALS,
  type AssertionClaims,
  type EntraSigner,
  entraSigner,
  loggedLines,
  removeFederation,
  setFederation,
  signJwt,
  stubJwks,
  tokenCall,
} from "../helpers/oauth.ts";
import { awaitLogRows } from "../helpers/request-log.ts";
import { createTenant, scimClient } from "../helpers/scim-client.ts";

const APEX = "127.0.0.1:8787";

interface Setup {
  tenant: string;
  host: string;
  tid: string;
  subject: string;
  audience: string;
  signer: EntraSigner;
  jwks: ReturnType<typeof stubJwks>;
  jwksUrl: string;
  /** Claims of an assertion Entra would sign for this federation. */
  claims: AssertionClaims;
}

let setup: Setup;

/** A tenant federated with a fresh Entra tenant; its keys at `jwksUrl` (the default Microsoft URL unless given). */
async function federate(jwksUrl?: string): Promise<Setup> {
  const { name } = await createTenant();
  const tid = crypto.randomUUID();
  const subject = crypto.randomUUID();
  const audience = `api://${crypto.randomUUID()}`;
  const signer = await entraSigner();
  const jwks = stubJwks();
  const url = jwksUrl ?? entraJwksUrl(tid);
  jwks.serve(url, [signer.jwk]);
  await setFederation(name, { entraTenantId: tid, subject, audiences: [audience, `${audience}/.default`], jwksUrl });
  const claims = { iss: `https://login.microsoftonline.com/${tid}/v2.0`, aud: audience, sub: subject, tid };
  return { tenant: name, host: `${name}.localhost`, tid, subject, audience, signer, jwks, jwksUrl: url, claims };
}

function assertionCall(host: string, assertion: string, extra: Record<string, string> = {}) {
  return tokenCall({
    host,
    form: {
      ...CLIENT_CREDENTIALS,
      scope: "api://scim/.default",
      client_assertion_type: JWT_BEARER_ASSERTION,
      client_assertion: assertion,
      ...extra,
    },
  });
}

beforeEach(async () => {
  setup = await federate();
});

afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});

describe("a good assertion", () => {
  it("gets an access token for the tenant, which the SCIM API accepts", async () => {
    const response = await assertionCall(setup.host, await signJwt(setup.signer, setup.claims));
    expect(response.status).toBe(200);
    expect(response.headers.get("Cache-Control")).toBe("no-store");
    expect(response.body).toEqual({
      access_token: expect.any(String),
      token_type: "Bearer",
      expires_in: 3600,
      scope: "api://scim/.default",
    });
    const users = await scimClient({ host: setup.host, token: response.body.access_token }).get("/Users?startIndex=1&count=1");
    expect(users.status).toBe(200);
  });

  it("is recorded in the provisioning log with its federation id, never the assertion or the token", async () => {
    const assertion = await signJwt(setup.signer, setup.claims);
    const response = await assertionCall(setup.host, assertion);
    expect((await scimClient({ host: setup.host, token: response.body.access_token }).get("/Users")).status).toBe(200);
    const { federation_id } = (await env.DB.prepare("SELECT federation_id FROM oauth_federations WHERE tenant_id = ?")
      .bind(setup.tenant)
      .first<{ federation_id: string }>()) ?? { federation_id: "" };
    const rows = await awaitLogRows(setup.tenant, 2);
    expect(rows.map((r) => [r.path, r.status, r.credential_kind, r.credential_id])).toEqual([
      ["/oauth/token", 200, "federation", federation_id],
      ["/scim/v2/Users", 200, "federation", federation_id],
    ]);
    for (const secret of [assertion, response.body.access_token]) expect(JSON.stringify(rows)).not.toContain(secret);
  });

  it("may carry client_id when it equals the assertion's sub, and any configured audience", async () => {
    const assertion = await signJwt(setup.signer, { ...setup.claims, aud: `${setup.audience}/.default` });
    expect((await assertionCall(setup.host, assertion, { client_id: setup.subject })).status).toBe(200);
    vi.spyOn(console, "warn").mockImplementation(() => {});
    expect((await assertionCall(setup.host, assertion, { client_id: "someone-else" })).status).toBe(401);
  });

  it("picks its tenant by (tid, sub) on the single-host endpoint", async () => {
    const response = await assertionCall(APEX, await signJwt(setup.signer, setup.claims));
    expect(response.status).toBe(200);
    expect((await scimClient({ host: setup.host, token: response.body.access_token }).get("/Users")).status).toBe(200);
    const other = await createTenant();
    expect((await scimClient({ host: `${other.name}.localhost`, token: response.body.access_token }).get("/Users")).status).toBe(401);
  });

  it("is accepted within 5 minutes of clock skew", async () => {
    const assertion = await signJwt(setup.signer, { ...setup.claims, exp: -240, nbf: 240 });
    expect((await assertionCall(setup.host, assertion)).status).toBe(200);
  });

  it("fetches the keys once, and again for an unknown kid once the cooldown has passed", async () => {
    expect((await assertionCall(setup.host, await signJwt(setup.signer, setup.claims))).status).toBe(200);
    expect((await assertionCall(setup.host, await signJwt(setup.signer, setup.claims))).status).toBe(200);
    expect(setup.jwks.fetchesOf(setup.jwksUrl)).toBe(1);

    // Entra rolls its key: the new kid is published, and the cached set lacks it.
    const rolled = await entraSigner();
    setup.jwks.serve(setup.jwksUrl, [setup.signer.jwk, rolled.jwk]);
    vi.setSystemTime(Date.now() + 31_000);
    expect((await assertionCall(setup.host, await signJwt(rolled, setup.claims))).status).toBe(200);
    expect(setup.jwks.fetchesOf(setup.jwksUrl)).toBe(2);
  });

  it("uses the configured JWKS URL instead of Microsoft's", async () => {
    const staging = await federate("http://127.0.0.1:9999/keys");
    expect((await assertionCall(staging.host, await signJwt(staging.signer, staging.claims))).status).toBe(200);
    expect(staging.jwks.fetchesOf("http://127.0.0.1:9999/keys")).toBe(1);
  });
});

describe("a bad assertion gets invalid_client, with the reason only in the log", () => {
  it.each<[string, (s: Setup) => Promise<string>, string]>([
    ["a bad signature", async (s) => signJwt(await entraSigner(), s.claims, s.signer.kid), "bad_signature"],
    [
      "another issuer",
      (s) => signJwt(s.signer, { ...s.claims, iss: `https://login.microsoftonline.com/${crypto.randomUUID()}/v2.0` }),
      "bad_issuer",
    ],
    ["the v1 issuer", (s) => signJwt(s.signer, { ...s.claims, iss: `https://sts.windows.net/${s.tid}/` }), "bad_issuer"],
    ["an audience not configured", (s) => signJwt(s.signer, { ...s.claims, aud: "api://someone-else" }), "bad_audience"],
    ["another tid", (s) => signJwt(s.signer, { ...s.claims, tid: crypto.randomUUID() }), "bad_tid"],
    ["another sub", (s) => signJwt(s.signer, { ...s.claims, sub: crypto.randomUUID() }), "bad_subject"],
    ["an expiry beyond the skew", (s) => signJwt(s.signer, { ...s.claims, exp: -301 }), "assertion_expired"],
    ["a not-before beyond the skew", (s) => signJwt(s.signer, { ...s.claims, nbf: 400 }), "assertion_not_yet_valid"],
    ["an unknown kid", async (s) => signJwt(await entraSigner(), s.claims), "unknown_kid"],
    ["no JWT at all", async () => "not-a-jwt", "malformed_assertion"],
  ])("%s", async (_, make, reason) => {
    const assertion = await make(setup);
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    const response = await assertionCall(setup.host, assertion);
    expect(response.status).toBe(401);
    expect(response.body).toEqual({ error: "invalid_client", error_description: "client authentication failed" });
    const [line] = loggedLines(warn);
    expect(line).toMatchObject({ event: "oauth_token_refused", reason, method: "private_key_jwt" });
    expect(JSON.stringify(warn.mock.calls)).not.toContain(assertion);
  });

  it("refuses an assertion on a tenant host without federation, and one no tenant trusts on the single host", async () => {
    const plain = await createTenant();
    const assertion = await signJwt(setup.signer, setup.claims);
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    expect((await assertionCall(`${plain.name}.localhost`, assertion)).status).toBe(401);
    const stranger = await signJwt(setup.signer, { ...setup.claims, sub: crypto.randomUUID() });
    expect((await assertionCall(APEX, stranger)).status).toBe(401);
    expect(loggedLines(warn).map((l) => l.reason)).toEqual(["no_federation", "no_federation"]);
  });

  it("reports an unreachable JWKS as jwks_unavailable", async () => {
    const broken = await federate("https://keys.invalid/jwks");
    broken.jwks.withdraw("https://keys.invalid/jwks");
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    const response = await assertionCall(broken.host, await signJwt(broken.signer, broken.claims));
    expect(response.status).toBe(401);
    expect(loggedLines(warn)[0]).toMatchObject({ reason: "jwks_unavailable", detail: expect.any(String) });
  });
});

describe("federation changes", () => {
  it("removing the federation ends the access tokens it issued", async () => {
    const token = (await assertionCall(setup.host, await signJwt(setup.signer, setup.claims))).body.access_token;
    const client = scimClient({ host: setup.host, token });
    expect((await client.get("/Users")).status).toBe(200);
    await removeFederation(setup.tenant);
    expect((await client.get("/Users")).status).toBe(401);
  });
});
