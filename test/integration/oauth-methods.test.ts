// Per-tenant methods: Entra's own bearer token (opt-in, off by default) and what
// /ServiceProviderConfig advertises as the tenant's authenticationSchemes.

import { afterEach, describe, expect, it, vi } from "vitest";
import { entraJwksUrl } from "../../src/lib/oauth-credentials.ts";
import { ENTRA_SCIM_AUDIENCE } from "../../src/oauth/entra-token.ts";
import { createClient, entraSigner, setAuthSettings, setFederation, signJwt, stubJwks } from "../helpers/oauth.ts";
import { createTenant, scimClient } from "../helpers/scim-client.ts";

afterEach(() => {
  vi.restoreAllMocks();
});

/** A tenant and a token Entra's provisioning service would send it, signed by a stand-in for Entra. */
async function entraSetup() {
  const tenant = await createTenant();
  const tid = crypto.randomUUID();
  const signer = await entraSigner();
  stubJwks().serve(entraJwksUrl(tid), [signer.jwk]);
  const claims = { iss: `https://sts.windows.net/${tid}/`, aud: ENTRA_SCIM_AUDIENCE, tid, sub: crypto.randomUUID() };
  return { tenant, tid, signer, claims, host: `${tenant.name}.localhost` };
}

describe("Entra's own bearer token", () => {
  it("is refused while the tenant has not opted in", async () => {
    const { host, signer, claims } = await entraSetup();
    expect((await scimClient({ host, token: await signJwt(signer, claims) }).get("/Users")).status).toBe(401);
  });

  it("is accepted once opted in, for the configured Entra tenant only, and off again when turned off", async () => {
    const { tenant, tid, host, signer, claims } = await entraSetup();
    await setAuthSettings(tenant.name, { entraTokenTenantId: tid });
    const token = await signJwt(signer, claims);
    expect((await scimClient({ host, token }).get("/Users?startIndex=1&count=1")).status).toBe(200);

    for (const wrong of [
      { ...claims, aud: "api://someone-else" },
      { ...claims, iss: `https://login.microsoftonline.com/${tid}/v2.0` },
      { ...claims, tid: crypto.randomUUID() },
      { ...claims, exp: -400 },
    ]) {
      expect((await scimClient({ host, token: await signJwt(signer, wrong) }).get("/Users")).status).toBe(401);
    }
    // Signed by a key Entra does not publish.
    expect((await scimClient({ host, token: await signJwt(await entraSigner(), claims, signer.kid) }).get("/Users")).status).toBe(401);
    // It names no tenant of ours, so the single host cannot place it.
    expect((await scimClient({ host: "127.0.0.1:8787", token }).get("/Users")).status).toBe(401);
    // Another tenant of ours that did not opt in.
    const other = await createTenant();
    expect((await scimClient({ host: `${other.name}.localhost`, token }).get("/Users")).status).toBe(401);

    await setAuthSettings(tenant.name, { entraTokenTenantId: null });
    expect((await scimClient({ host, token }).get("/Users")).status).toBe(401);
  });
});

describe("/ServiceProviderConfig authenticationSchemes", () => {
  const schemes = async (host: string, token: string) =>
    ((await scimClient({ host, token }).get("/ServiceProviderConfig")).body.authenticationSchemes as any[]).map((s) => [s.name, s.primary]);

  it("lists the methods the tenant has enabled, the first as primary", async () => {
    const tenant = await createTenant();
    const host = `${tenant.name}.localhost`;
    expect(await schemes(host, tenant.token)).toEqual([["OAuth Bearer Token", true]]);

    await createClient(tenant.name);
    await setFederation(tenant.name, { entraTenantId: crypto.randomUUID(), subject: "s", audiences: ["api://x"] });
    await setAuthSettings(tenant.name, { entraTokenTenantId: crypto.randomUUID() });
    expect(await schemes(host, tenant.token)).toEqual([
      ["OAuth Bearer Token", true],
      ["OAuth 2.0 client credentials", false],
      ["OAuth 2.0 workload identity federation", false],
      ["Microsoft Entra ID bearer token", false],
    ]);
    const config = (await scimClient({ host, token: tenant.token }).get("/ServiceProviderConfig")).body;
    expect(config.authenticationSchemes[1]).toMatchObject({ type: "oauth2", specUri: "https://www.rfc-editor.org/info/rfc6749" });
    expect(config.authenticationSchemes[1].description).toContain(`http://${host}/oauth/token`);
  });

  it("leaves out a client whose only secret has expired", async () => {
    const tenant = await createTenant();
    await createClient(tenant.name, new Date(Date.now() - 1000));
    expect(await schemes(`${tenant.name}.localhost`, tenant.token)).toEqual([["OAuth Bearer Token", true]]);
  });
});
