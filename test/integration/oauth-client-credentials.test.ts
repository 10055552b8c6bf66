// OAuth 2.0 client credentials (RFC 6749 §4.4) through the token endpoint, and the access tokens
// it issues used against the SCIM API, the way Entra and Microsoft's gallery validator call them.

import { env } from "cloudflare:test";
import fc from "fast-check";
import { afterEach, describe, expect, it, vi } from "vitest";
import { createApp } from "../../src/app.ts";
import { verifyAccessToken } from "../../src/oauth/access-token.ts";
import { authState, credentialLive } from "../../src/oauth/auth-state.ts";
import { TOKEN_ENDPOINT_LIMITS } from "../../src/oauth/token-endpoint.ts";
import { RateLimiter } from "../../src/ratelimit/limiter.ts";
import {
  accessToken,
  CLIENT_CREDENTIALS,
  createClient,
  loggedLines,
  randomAddress,
  revokeClient,
  revokeSecret,
  rotateClient,
  setAuthSettings,
  tokenCall,
} from "../helpers/oauth.ts";
import { createTenant, scimClient } from "../helpers/scim-client.ts";

afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});

const hostOf = (tenant: string) => `${tenant}.localhost`;
const APEX = "127.0.0.1:8787";
const LIST_RESPONSE = "urn:ietf:params:scim:api:messages:2.0:ListResponse";

/** The status of Entra's Test Connection probe with this bearer token on this host. */
async function probe(host: string, token: string) {
  return (await scimClient({ host, token }).get("/Users?startIndex=1&count=1")).status;
}

function expectInvalidClient(response: { status: number; headers: Headers; body: any }, basic: boolean) {
  expect(response.status).toBe(401);
  expect(response.body).toEqual({ error: "invalid_client", error_description: "client authentication failed" });
  expect(response.headers.get("Cache-Control")).toBe("no-store");
  if (basic) expect(response.headers.get("WWW-Authenticate")).toMatch(/^Basic /);
  else expect(response.headers.get("WWW-Authenticate")).toBeNull();
}

describe("token endpoint: issuing", () => {
  it("follows Microsoft's validator: token by Basic, expires_in in range, then GET /Users?startIndex=1&count=1", async () => {
    const tenant = await createTenant();
    const client = await createClient(tenant.name);
    const response = await tokenCall({
      host: hostOf(tenant.name),
      basic: { id: client.clientId, secret: client.secret },
      form: { ...CLIENT_CREDENTIALS, scope: "scim.provision" },
    });
    expect(response.status).toBe(200);
    expect(response.headers.get("Content-Type")).toMatch(/^application\/json/);
    expect(response.headers.get("Cache-Control")).toBe("no-store");
    expect(response.body).toEqual({ access_token: expect.any(String), token_type: "Bearer", expires_in: 3600, scope: "scim.provision" });
    expect(response.body.expires_in).toBeGreaterThanOrEqual(3600);
    expect(response.body.expires_in).toBeLessThanOrEqual(21600);

    const users = await scimClient({ host: hostOf(tenant.name), token: response.body.access_token }).get("/Users?startIndex=1&count=1");
    expect(users.status).toBe(200);
    expect(users.body).toMatchObject({ schemas: [LIST_RESPONSE], totalResults: 0, startIndex: 1 });
  });

  it("takes client_id and client_secret in the body as well, and omits scope when none was asked for", async () => {
    const tenant = await createTenant();
    const client = await createClient(tenant.name);
    const response = await tokenCall({
      host: hostOf(tenant.name),
      form: { ...CLIENT_CREDENTIALS, client_id: client.clientId, client_secret: client.secret },
    });
    expect(response.status).toBe(200);
    expect(Object.keys(response.body).sort()).toEqual(["access_token", "expires_in", "token_type"]);
    expect(await probe(hostOf(tenant.name), response.body.access_token)).toBe(200);
  });

  it("form-decodes Basic credentials (RFC 6749 §2.3.1), and accepts a matching client_id beside them", async () => {
    const tenant = await createTenant();
    const client = await createClient(tenant.name);
    const encoded = `${client.clientId.replace(".", "%2E")}:${client.secret}`;
    const response = await tokenCall({
      host: hostOf(tenant.name),
      headers: { Authorization: `Basic ${btoa(encoded)}` },
      form: { ...CLIENT_CREDENTIALS, client_id: client.clientId },
    });
    expect(response.status).toBe(200);
  });

  it("issues tokens with the tenant's configured lifetime", async () => {
    const tenant = await createTenant();
    const client = await createClient(tenant.name);
    await setAuthSettings(tenant.name, { accessTokenSeconds: 21_600 });
    const response = await tokenCall({
      host: hostOf(tenant.name),
      basic: { id: client.clientId, secret: client.secret },
      form: CLIENT_CREDENTIALS,
    });
    expect(response.body.expires_in).toBe(21_600);
  });

  it("lets the client id pick the tenant on the single-host endpoint", async () => {
    const tenant = await createTenant();
    const client = await createClient(tenant.name);
    const token = await accessToken(APEX, client);
    expect(await probe(hostOf(tenant.name), token)).toBe(200);
    expect(await probe(APEX, token)).toBe(200);
  });
});

describe("token endpoint: refusing", () => {
  it("refuses a wrong secret, logging the reason and never the secret", async () => {
    const tenant = await createTenant();
    const client = await createClient(tenant.name);
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    const wrong = `${client.secret.slice(0, -2)}xx`;
    const address = randomAddress();
    expectInvalidClient(
      await tokenCall({ host: hostOf(tenant.name), address, basic: { id: client.clientId, secret: wrong }, form: CLIENT_CREDENTIALS }),
      true,
    );
    expectInvalidClient(
      await tokenCall({
        host: hostOf(tenant.name),
        address,
        form: { ...CLIENT_CREDENTIALS, client_id: client.clientId, client_secret: wrong },
      }),
      false,
    );
    const lines = loggedLines(warn);
    expect(lines).toEqual([
      {
        level: "warn",
        event: "oauth_token_refused",
        reason: "wrong_secret",
        code: "invalid_client",
        address,
        method: "client_secret_basic",
        clientId: client.clientId,
        tenant: tenant.name,
      },
      {
        level: "warn",
        event: "oauth_token_refused",
        reason: "wrong_secret",
        code: "invalid_client",
        address,
        method: "client_secret_post",
        clientId: client.clientId,
        tenant: tenant.name,
      },
    ]);
    const logged = JSON.stringify(warn.mock.calls);
    expect(logged).not.toContain(wrong);
    expect(logged).not.toContain(client.secret);
  });

  it("never gives an expired secret a token", async () => {
    const tenant = await createTenant();
    const client = await createClient(tenant.name, new Date(Date.now() - 1000));
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    expectInvalidClient(
      await tokenCall({ host: hostOf(tenant.name), basic: { id: client.clientId, secret: client.secret }, form: CLIENT_CREDENTIALS }),
      true,
    );
    expect(loggedLines(warn)[0].reason).toBe("secret_expired");
  });

  it("refuses a client of tenant A on tenant B's host, and an unknown client alike", async () => {
    const a = await createTenant();
    const b = await createTenant();
    const client = await createClient(a.name);
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    expectInvalidClient(
      await tokenCall({ host: hostOf(b.name), basic: { id: client.clientId, secret: client.secret }, form: CLIENT_CREDENTIALS }),
      true,
    );
    const unknown = { id: `${a.name}.${"0".repeat(32)}`, secret: client.secret };
    expectInvalidClient(await tokenCall({ host: hostOf(a.name), basic: unknown, form: CLIENT_CREDENTIALS }), true);
    expectInvalidClient(await tokenCall({ host: APEX, basic: { id: "not-a-client-id", secret: "x" }, form: CLIENT_CREDENTIALS }), true);
    expect(loggedLines(warn).map((l) => l.reason)).toEqual(["wrong_tenant", "unknown_client", "unknown_client"]);
  });

  it.each([
    ["a GET", { method: "GET" }, 400, "invalid_request"],
    [
      "JSON instead of a form",
      { body: JSON.stringify(CLIENT_CREDENTIALS), headers: { "Content-Type": "application/json" } },
      400,
      "invalid_request",
    ],
    ["no grant_type", { form: {} }, 400, "invalid_request"],
    ["grant_type=password", { form: { grant_type: "password" } }, 400, "unsupported_grant_type"],
    ["a repeated parameter", { body: "grant_type=client_credentials&grant_type=client_credentials" }, 400, "invalid_request"],
    ["a scope with a quote", { form: { ...CLIENT_CREDENTIALS, scope: 'a"b' } }, 400, "invalid_scope"],
    [
      "Basic and client_secret together",
      { basic: { id: "a.b", secret: "s" }, form: { ...CLIENT_CREDENTIALS, client_secret: "s" } },
      400,
      "invalid_request",
    ],
    ["a Bearer header", { headers: { Authorization: "Bearer x" }, form: CLIENT_CREDENTIALS }, 400, "invalid_request"],
    [
      "an unknown assertion type",
      { form: { ...CLIENT_CREDENTIALS, client_assertion_type: "urn:x", client_assertion: "a.b.c" } },
      400,
      "invalid_request",
    ],
    ["no client authentication", { form: CLIENT_CREDENTIALS }, 401, "invalid_client"],
    ["client_id without a secret", { form: { ...CLIENT_CREDENTIALS, client_id: "acme.x" } }, 401, "invalid_client"],
    ["a body over 16 KiB", { form: { ...CLIENT_CREDENTIALS, scope: "a".repeat(17_000) } }, 400, "invalid_request"],
  ] as const)("answers %s with RFC 6749 §5.2 JSON", async (_, options, status, error) => {
    const tenant = await createTenant();
    vi.spyOn(console, "warn").mockImplementation(() => {});
    const response = await tokenCall({ host: hostOf(tenant.name), ...options });
    expect(response.status).toBe(status);
    expect(response.body).toEqual({ error, error_description: expect.any(String) });
  });

  it("answers malformed Basic credentials with invalid_client and a Basic challenge", async () => {
    const tenant = await createTenant();
    vi.spyOn(console, "warn").mockImplementation(() => {});
    for (const header of ["Basic !!!", `Basic ${btoa("no-colon")}`, `Basic ${btoa("%zz:secret")}`]) {
      expectInvalidClient(
        await tokenCall({ host: hostOf(tenant.name), headers: { Authorization: header }, form: CLIENT_CREDENTIALS }),
        true,
      );
    }
  });

  it("never answers 500, whatever the form", async () => {
    const tenant = await createTenant();
    vi.spyOn(console, "warn").mockImplementation(() => {});
    const name = fc.constantFrom("grant_type", "client_id", "client_secret", "scope", "client_assertion", "client_assertion_type", "x");
    const value = fc.oneof(
      fc.constantFrom("client_credentials", "urn:ietf:params:oauth:client-assertion-type:jwt-bearer", "a.b.c", ""),
      fc.string(),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(name, value), { maxLength: 6 }), fc.option(fc.string()), async (pairs, basic) => {
        const response = await tokenCall({
          host: hostOf(tenant.name),
          body: new URLSearchParams(pairs).toString(),
          headers: basic === null ? {} : { Authorization: `Basic ${basic}` },
        });
        expect([400, 401]).toContain(response.status);
        expect(typeof response.body.error).toBe("string");
      }),
      { numRuns: 60 },
    );
  });
});

describe("secrets: rotation and revocation", () => {
  it("keeps two secrets live after a rotation until the old one is revoked, and ends its access tokens", async () => {
    const tenant = await createTenant();
    const host = hostOf(tenant.name);
    const first = await createClient(tenant.name);
    const second = await rotateClient(tenant.name, first.clientId);
    const fromFirst = await accessToken(host, first);
    const fromSecond = await accessToken(host, second);
    expect(await probe(host, fromFirst)).toBe(200);
    expect(await probe(host, fromSecond)).toBe(200);

    await revokeSecret(tenant.name, first.clientId, first.secretId);
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    expectInvalidClient(await tokenCall({ host, basic: { id: first.clientId, secret: first.secret }, form: CLIENT_CREDENTIALS }), true);
    expect(loggedLines(warn)[0].reason).toBe("secret_revoked");
    // TOKEN_CACHE_SECONDS is 0 in tests: the revocation shows on the next request.
    expect(await probe(host, fromFirst)).toBe(401);
    expect(await probe(host, fromSecond)).toBe(200);
    expect(await accessToken(host, second)).toEqual(expect.any(String));
  });

  it("revoking a client ends all its secrets and access tokens", async () => {
    const tenant = await createTenant();
    const host = hostOf(tenant.name);
    const first = await createClient(tenant.name);
    const second = await rotateClient(tenant.name, first.clientId);
    const token = await accessToken(host, second);
    await revokeClient(tenant.name, first.clientId);
    vi.spyOn(console, "warn").mockImplementation(() => {});
    for (const secret of [first, second]) {
      expectInvalidClient(await tokenCall({ host, basic: { id: secret.clientId, secret: secret.secret }, form: CLIENT_CREDENTIALS }), true);
    }
    expect(await probe(host, token)).toBe(401);
    await expect(rotateClient(tenant.name, first.clientId)).rejects.toThrow(/no live client/);
  });
});

describe("access tokens on the SCIM API", () => {
  it("authorize exactly one tenant: 401 on another tenant's host", async () => {
    const a = await createTenant();
    const b = await createTenant();
    const token = await accessToken(hostOf(a.name), await createClient(a.name));
    expect(await probe(hostOf(a.name), token)).toBe(200);
    const other = await scimClient({ host: hostOf(b.name), token }).get("/Users");
    expect(other.status).toBe(401);
    expect(other.headers.get("WWW-Authenticate")).toMatch(/^Bearer/);
  });

  it("stop working when they expire", async () => {
    const tenant = await createTenant();
    const host = hostOf(tenant.name);
    const token = await accessToken(host, await createClient(tenant.name));
    vi.setSystemTime(Date.now() + 3_599_000);
    expect(await probe(host, token)).toBe(200);
    vi.setSystemTime(Date.now() + 2_000);
    expect(await probe(host, token)).toBe(401);
  });

  it("are refused when forged, altered or unsigned", async () => {
    const tenant = await createTenant();
    const host = hostOf(tenant.name);
    const token = await accessToken(host, await createClient(tenant.name));
    const [header, payload, signature] = token.split(".");
    const claims = JSON.parse(atob(payload.replaceAll("-", "+").replaceAll("_", "/")));
    const b64 = (value: unknown) => btoa(JSON.stringify(value)).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
    const other = await createTenant();
    expect(await probe(hostOf(other.name), [header, b64({ ...claims, tenant: other.name }), signature].join("."))).toBe(401);
    expect(await probe(host, [b64({ alg: "none", typ: "at+jwt" }), payload, ""].join("."))).toBe(401);
    expect(await probe(host, `${header}.${payload}.${signature.slice(0, -4)}AAAA`)).toBe(401);
  });

  it("work beside the tenant's Secret Token, which keeps working", async () => {
    const tenant = await createTenant();
    const host = hostOf(tenant.name);
    const token = await accessToken(host, await createClient(tenant.name));
    expect(await probe(host, token)).toBe(200);
    expect(await probe(host, tenant.token)).toBe(200);
  });
});

describe("without ACCESS_TOKEN_SECRET", () => {
  it.each([
    ["unset", undefined],
    ["shorter than 32 characters", "too-short-a-secret"],
  ])("%s: issues nothing, answers RFC 6749 server_error 500, logs which secret, and no access token verifies", async (_, secret) => {
    const tenant = await createTenant();
    const client = await createClient(tenant.name);
    const token = await accessToken(hostOf(tenant.name), client);
    // The real bindings, less the secret: the app's fetch handler takes whatever env it is given.
    const unset = { ...env, ACCESS_TOKEN_SECRET: secret };
    const error = vi.spyOn(console, "error").mockImplementation(() => {});
    vi.spyOn(console, "log").mockImplementation(() => {});
    const response = await createApp().fetch(
      new Request(`http://${hostOf(tenant.name)}/oauth/token`, {
        method: "POST",
        headers: { "Content-Type": "application/x-www-form-urlencoded", "CF-Connecting-IP": randomAddress() },
        body: new URLSearchParams({ ...CLIENT_CREDENTIALS, client_id: client.clientId, client_secret: client.secret }),
      }),
      unset,
    );
    expect(response.status).toBe(500);
    expect(response.headers.get("Content-Type")).toBe("application/json");
    expect(response.headers.get("Retry-After")).toBeNull();
    expect(await response.json()).toEqual({ error: "server_error", error_description: "the server cannot issue tokens now" });
    const [line] = error.mock.calls.map(([logged]) => JSON.parse(String(logged)));
    expect(line).toMatchObject({ level: "error", event: "oauth_token_refused", reason: "missing_signing_secret", code: "server_error" });
    expect(line.detail).toContain("ACCESS_TOKEN_SECRET is not set or shorter than 32 characters");
    expect(await verifyAccessToken(unset, token)).toBeNull();
  });
});

describe("token endpoint: failures that are not the client's", () => {
  // The endpoint's first step is the per-address rate limit, a call to the RateLimiter Durable Object,
  // which shares the tests' isolate: its method fails here as the platform or a bug would.
  const failingLimiter = async (error: Error) => {
    vi.spyOn(RateLimiter.prototype, "take").mockImplementation(() => {
      throw error;
    });
    const logged = vi.spyOn(console, "error").mockImplementation(() => {});
    const response = await tokenCall({ host: APEX, address: randomAddress(), form: CLIENT_CREDENTIALS });
    return { response, logged: loggedLines(logged) };
  };

  it("storage failing: temporarily_unavailable, 503 with Retry-After, in RFC 6749 form", async () => {
    const { response } = await failingLimiter(new Error("Network connection lost."));
    expect(response.status).toBe(503);
    expect(response.headers.get("Retry-After")).toBe("30");
    expect(response.body).toEqual({
      error: "temporarily_unavailable",
      error_description: "storage is temporarily unavailable; retry later",
    });
  });

  it("a bug: server_error 500 in RFC 6749 form, with the stack in the log", async () => {
    const { response, logged } = await failingLimiter(new TypeError("x is not a function"));
    expect(response.status).toBe(500);
    expect(response.headers.get("Retry-After")).toBeNull();
    expect(response.body).toEqual({ error: "server_error", error_description: "the server cannot issue tokens now" });
    expect(logged).toContainEqual(expect.objectContaining({ event: "internal_error", message: "x is not a function" }));
  });
});

describe("revocation bound", () => {
  it("an isolate trusts a tenant's revocation state for TOKEN_CACHE_SECONDS, then reads it again", async () => {
    // Deployed, TOKEN_CACHE_SECONDS is 30 (wrangler.toml); the tests' binding is 0.
    const cached = { ...env, TOKEN_CACHE_SECONDS: "30" };
    const tenant = await createTenant();
    const client = await createClient(tenant.name);
    const grant = await verifyAccessToken(cached, await accessToken(hostOf(tenant.name), client));
    if (!grant) throw new Error("the endpoint's token did not verify");
    expect(credentialLive(await authState(cached, tenant.name), grant)).toBe(true);

    await revokeSecret(tenant.name, client.clientId, client.secretId);
    // Within the bound the cached state still says live: no storage read for this check...
    expect(credentialLive(await authState(cached, tenant.name), grant)).toBe(true);
    // ...and once the bound has passed, the revocation is seen.
    vi.setSystemTime(Date.now() + 30_001);
    expect(credentialLive(await authState(cached, tenant.name), grant)).toBe(false);
  });
});

describe("rate limits", () => {
  type Call = Awaited<ReturnType<typeof tokenCall>>;

  /**
   * Sends until the first 429. The bucket refills while this runs (limit per window), so what
   * passed is checked against the bucket's bound for the time taken, not against the bare limit.
   */
  async function untilRefused(send: () => Promise<Call>, rule: { limit: number; windowSeconds: number }) {
    const started = Date.now();
    const passed: number[] = [];
    for (let i = 0; i < rule.limit * 3; i++) {
      const response = await send();
      if (response.status === 429) {
        const seconds = (Date.now() - started) / 1000;
        expect(passed.length).toBeGreaterThanOrEqual(rule.limit);
        expect(passed.length).toBeLessThanOrEqual(rule.limit + Math.ceil((seconds * rule.limit) / rule.windowSeconds));
        expect(Number(response.headers.get("Retry-After"))).toBeGreaterThanOrEqual(1);
        expect(response.body.error).toBe("temporarily_unavailable");
        return { passed, refused: response };
      }
      passed.push(response.status);
    }
    throw new Error(`no 429 after ${rule.limit * 3} requests`);
  }

  it("answer 429 with Retry-After per client", async () => {
    const tenant = await createTenant();
    const client = await createClient(tenant.name);
    const other = await createClient(tenant.name);
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    const basic = { id: client.clientId, secret: client.secret };
    const { passed } = await untilRefused(
      () => tokenCall({ host: hostOf(tenant.name), basic, form: CLIENT_CREDENTIALS }),
      TOKEN_ENDPOINT_LIMITS.perClient,
    );
    expect(new Set(passed)).toEqual(new Set([200]));
    expect(loggedLines(warn)).toEqual([expect.objectContaining({ reason: "rate_limited_client", clientId: client.clientId })]);
    // Another client of the same tenant is not held back.
    expect(await accessToken(hostOf(tenant.name), other)).toEqual(expect.any(String));
  });

  it("answer 429 with Retry-After per source address", async () => {
    const tenant = await createTenant();
    const client = await createClient(tenant.name);
    const address = randomAddress();
    vi.spyOn(console, "warn").mockImplementation(() => {});
    const { passed } = await untilRefused(
      () => tokenCall({ host: hostOf(tenant.name), address, form: CLIENT_CREDENTIALS }),
      TOKEN_ENDPOINT_LIMITS.perAddress,
    );
    expect(new Set(passed)).toEqual(new Set([401]));
    // A good client from that address waits too; from another address it does not.
    const basic = { id: client.clientId, secret: client.secret };
    expect((await tokenCall({ host: hostOf(tenant.name), address, basic, form: CLIENT_CREDENTIALS })).status).toBe(429);
    expect((await tokenCall({ host: hostOf(tenant.name), basic, form: CLIENT_CREDENTIALS })).status).toBe(200);
  });
});
