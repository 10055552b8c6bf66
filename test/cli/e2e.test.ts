// The operator's whole path: a tenant made by the CLI in local state is served by the Worker
// (bundled as deployed, run by Miniflare on that same state), and rotate/revoke take effect there.

import { randomUUID } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, test } from "vitest";
import { assertNode22, parseSingleJson, runCli } from "./run-cli.ts";
import { type ServedWorker, serveWorker } from "../harness/serve-worker.ts";

let dir: string;
let worker: ServedWorker;

beforeAll(async () => {
  assertNode22();
  dir = await mkdtemp(join(tmpdir(), "scim-edge-e2e-"));
  // No token cache: a revoke must show on the very next request (deployed, KV takes ~60 s anyway).
  worker = await serveWorker({ persistTo: dir, vars: { TOKEN_CACHE_SECONDS: "0" } });
}, 60_000);

afterAll(async () => {
  await worker?.dispose();
  await rm(dir, { recursive: true, force: true });
});

async function issue(command: "create" | "rotate", tenant: string) {
  const run = await runCli([command, tenant, "--json", "--persist-to", dir]);
  expect(run.stderr).not.toMatch(/^error:/m);
  expect(run.code).toBe(0);
  return parseSingleJson(run.stdout) as { tenant: string; tenantUrl: string; token: string };
}

/** Entra's first call for a user it is about to provision. */
function lookupUser(tenant: string, token: string) {
  const filter = encodeURIComponent(`userName eq "${randomUUID()}"`);
  return worker.tenantFetch(tenant, `/scim/v2/Users?filter=${filter}`, {
    headers: { Authorization: `Bearer ${token}`, Accept: "application/scim+json" },
  });
}

test("a tenant created, rotated and revoked by the CLI is served accordingly", async () => {
  const { token, tenantUrl } = await issue("create", "contoso");
  expect(new URL(tenantUrl).hostname).toBe("contoso.localhost");

  const ok = await lookupUser("contoso", token);
  expect(ok.status).toBe(200);
  const body = (await ok.json()) as Record<string, unknown>;
  expect(body).toMatchObject({ schemas: ["urn:ietf:params:scim:api:messages:2.0:ListResponse"], totalResults: 0 });
  // RFC 7644 §3.4.2: Resources is only required when totalResults is non-zero.
  expect(body.Resources ?? []).toEqual([]);

  expect((await lookupUser("contoso", `${token.slice(0, -1)}${token.endsWith("A") ? "B" : "A"}`)).status).toBe(401);
  expect((await lookupUser("contoso", "scim_not-a-token")).status).toBe(401);
  // The token names its tenant: the same token on another tenant's host is refused.
  expect((await lookupUser("fabrikam", token)).status).toBe(401);

  const rotated = await issue("rotate", "contoso");
  expect((await lookupUser("contoso", token)).status).toBe(401);
  expect((await lookupUser("contoso", rotated.token)).status).toBe(200);

  const revoke = await runCli(["revoke", "contoso", "--persist-to", dir]);
  expect(revoke.code).toBe(0);
  const refused = await lookupUser("contoso", rotated.token);
  expect(refused.status).toBe(401);
  expect(refused.headers.get("WWW-Authenticate")).toMatch(/^Bearer/);
});
