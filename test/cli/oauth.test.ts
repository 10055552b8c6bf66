// The OAuth operator commands against real local state (a temp --persist-to dir), with the Worker
// bundled as deployed and served on that same state, so each command is checked by what the token
// endpoint and SCIM API then do. Each CLI run costs two wrangler spawns: the tests walk one tenant
// through many steps instead of starting over.

import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { type ServedWorker, serveWorker } from "../harness/serve-worker.ts";
import { assertNode22, filesContaining, jsonCli, runCli } from "./run-cli.ts";

const SECRET = /^scs_[A-Za-z0-9_-]{43}$/; // 256 random bits
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const TID = "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef";
const DAY = 86_400_000;

let dir: string;
let worker: ServedWorker;

beforeAll(async () => {
  assertNode22();
  dir = await mkdtemp(join(tmpdir(), "scim-edge-oauth-cli-"));
  worker = await serveWorker({
    persistTo: dir,
    // No revocation cache, so a revoke shows on the next request; the HMAC key a deploy keeps as a secret.
    vars: { TOKEN_CACHE_SECONDS: "0", ACCESS_TOKEN_SECRET: "cli-test-access-token-secret-0123456789abcdef" },
  });
}, 60_000);

afterAll(async () => {
  await worker?.dispose();
  await rm(dir, { recursive: true, force: true });
});

const cli = (...args: string[]) => jsonCli(dir)(...args);

async function token(tenant: string, clientId: string, clientSecret: string) {
  const response = await worker.tenantFetch(tenant, "/oauth/token", {
    method: "POST",
    headers: { "Content-Type": "application/x-www-form-urlencoded", Authorization: `Basic ${btoa(`${clientId}:${clientSecret}`)}` },
    body: "grant_type=client_credentials",
  });
  return { status: response.status, body: (await response.json()) as any };
}

const scimStatus = async (tenant: string, accessToken: string) =>
  (await worker.tenantFetch(tenant, "/scim/v2/Users?startIndex=1&count=1", { headers: { Authorization: `Bearer ${accessToken}` } })).status;

describe("client commands", () => {
  test("create, rotate, list and revoke, each honoured by the token endpoint", async () => {
    await cli("create", "acme");

    const created = await cli("client", "create", "acme", "--expires-days", "30");
    expect(Object.keys(created).sort()).toEqual(["clientId", "clientSecret", "expiresAt", "tenant", "tokenEndpoint"]);
    expect(created).toMatchObject({ tenant: "acme", tokenEndpoint: "http://acme.localhost:8787/oauth/token" });
    expect(created.clientId).toMatch(/^acme\.[0-9a-f]{32}$/);
    expect(created.clientSecret).toMatch(SECRET);
    expect(Math.abs(Date.parse(created.expiresAt) - (Date.now() + 30 * DAY))).toBeLessThan(60_000);
    // Stored only hashed: the plaintext is in no file of the local state.
    expect(await filesContaining(dir, created.clientSecret)).toEqual([]);

    const first = await token("acme", created.clientId, created.clientSecret);
    expect(first.status).toBe(200);
    expect(await scimStatus("acme", first.body.access_token)).toBe(200);

    const rotated = await cli("client", "rotate", "acme", created.clientId);
    expect(rotated).toMatchObject({ tenant: "acme", clientId: created.clientId, secretId: expect.stringMatching(/^[0-9a-f]{16}$/) });
    expect(rotated.clientSecret).toMatch(SECRET);
    const second = await token("acme", created.clientId, rotated.clientSecret);
    expect(second.status).toBe(200);
    expect((await token("acme", created.clientId, created.clientSecret)).status).toBe(200);

    const listed = await cli("client", "list", "acme");
    expect(JSON.stringify(listed)).not.toContain(created.clientSecret);
    expect(JSON.stringify(listed)).not.toContain(rotated.clientSecret);
    expect(listed).toEqual([
      {
        clientId: created.clientId,
        createdAt: expect.stringMatching(ISO),
        revokedAt: null,
        secrets: expect.arrayContaining([
          { secretId: rotated.secretId, createdAt: expect.stringMatching(ISO), expiresAt: rotated.expiresAt, status: "active" },
          {
            secretId: expect.not.stringMatching(rotated.secretId),
            createdAt: expect.stringMatching(ISO),
            expiresAt: created.expiresAt,
            status: "active",
          },
        ]),
      },
    ]);
    const oldSecretId = listed[0].secrets.find((s: { secretId: string }) => s.secretId !== rotated.secretId).secretId;

    expect(await cli("client", "revoke", "acme", created.clientId, "--secret-id", oldSecretId)).toEqual({
      tenant: "acme",
      clientId: created.clientId,
      revokedSecretIds: [oldSecretId],
    });
    expect((await token("acme", created.clientId, created.clientSecret)).status).toBe(401);
    expect(await scimStatus("acme", first.body.access_token)).toBe(401);
    expect(await scimStatus("acme", second.body.access_token)).toBe(200);

    expect(await cli("client", "revoke", "acme", created.clientId)).toEqual({
      tenant: "acme",
      clientId: created.clientId,
      revokedSecretIds: [rotated.secretId],
    });
    expect((await token("acme", created.clientId, rotated.clientSecret)).status).toBe(401);
    expect(await scimStatus("acme", second.body.access_token)).toBe(401);

    // A revoked client cannot be revived, and unknown tenants and clients are named.
    const revive = await runCli(["client", "rotate", "acme", created.clientId, "--persist-to", dir]);
    expect(revive.code).toBe(1);
    expect(revive.stdout).toBe("");
    expect(revive.stderr).toMatch(/error: client "acme\.[0-9a-f]{32}" was revoked at .*; create a new one/);
    const ghost = await runCli(["client", "list", "ghost", "--persist-to", dir]);
    expect(ghost.code).toBe(1);
    expect(ghost.stderr).toMatch(/error: unknown tenant "ghost"/);
  });
});

describe("federation, settings and show", () => {
  test("set, show and remove, reflected by show", async () => {
    await cli("create", "fabrikam");
    const set = await cli(
      "federation",
      "set",
      "fabrikam",
      "--entra-tenant",
      TID,
      "--subject",
      "sync-fabric-object-id",
      "--audience",
      "api://b5ba7a93-4452-4522-aeb4-a2b5da870c16/.default",
    );
    expect(set).toEqual({
      tenant: "fabrikam",
      federation: {
        entraTenantId: TID,
        subject: "sync-fabric-object-id",
        audiences: ["api://b5ba7a93-4452-4522-aeb4-a2b5da870c16/.default"],
        jwksUrl: null,
        createdAt: expect.stringMatching(ISO),
      },
      clientId: "sync-fabric-object-id",
      tokenEndpoint: "http://fabrikam.localhost:8787/oauth/token",
      tenantUrl: "http://fabrikam.localhost:8787/scim/v2",
    });

    // One (tid, sub) pair serves one tenant: the single-host endpoint picks the tenant by it.
    // ("acme" is the previous test's tenant: the tests share this state.)
    const taken = await runCli([
      "federation",
      "set",
      "acme",
      "--entra-tenant",
      TID,
      "--subject",
      "sync-fabric-object-id",
      "--audience",
      "api://x",
      "--persist-to",
      dir,
    ]);
    expect(taken.code).toBe(1);
    expect(taken.stderr).toMatch(/error: tenant "fabrikam" already trusts subject "sync-fabric-object-id"/);

    expect(await cli("auth", "set", "fabrikam", "--token-lifetime", "7200", "--entra-token", TID)).toEqual({
      tenant: "fabrikam",
      accessTokenSeconds: 7200,
      entraTokenTenantId: TID,
    });
    const shown = await cli("show", "fabrikam");
    expect(shown).toEqual({
      tenant: "fabrikam",
      tenantUrl: "http://fabrikam.localhost:8787/scim/v2",
      tokenEndpoint: "http://fabrikam.localhost:8787/oauth/token",
      methods: ["secretToken", "federation", "entraToken"],
      liveClients: 0,
      federation: set.federation,
      entraTokenTenantId: TID,
      accessTokenSeconds: 7200,
      // The provisioning part of show (test/cli/policy.test.ts): defaults for this tenant.
      provisioning: {
        allowedDomains: [],
        deleteMode: "hard",
        groupsEnabled: true,
        rateLimitPerSecond: null,
        eventRetentionDays: null,
        requestLogRetentionDays: null,
        captureBodiesUntil: null,
      },
      extensions: [],
    });

    expect(await cli("federation", "remove", "fabrikam")).toEqual({ tenant: "fabrikam", removed: true });
    expect(await cli("federation", "show", "fabrikam")).toMatchObject({ tenant: "fabrikam", federation: null, clientId: null });
  });
});
