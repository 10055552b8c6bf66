import { afterEach, describe, expect, it, vi } from "vitest";
import { createTenant, entraUser, q, scimClient } from "../helpers/scim-client.ts";

afterEach(() => vi.restoreAllMocks());

describe("structured request logs", () => {
  it("writes one JSON line per request with tenant, method, path, status, duration and error type, and no secrets or values", async () => {
    const { client, name, token } = await createTenant();
    const lines: string[] = [];
    vi.spyOn(console, "log").mockImplementation((line: unknown) => void lines.push(String(line)));

    await client.post("/Users", entraUser("Logged.Person@contoso.com", { password: "Sup3r-Secret!" }));
    await client.get(`/Users?filter=${q('userName eq "Logged.Person@contoso.com"')}`);
    await client.get(`/Users?filter=${q("userName eq")}`);
    await scimClient({ host: `${name}.localhost`, token: "scim_wrong_token" }).get("/Users");

    const entries = lines.map((l) => JSON.parse(l)).filter((e) => e.event === "request");
    expect(entries).toHaveLength(4);
    expect(entries[0]).toMatchObject({ level: "info", tenant: name, method: "POST", path: "/scim/v2/Users", status: 201 });
    expect(typeof entries[0].durationMs).toBe("number");
    expect(entries[1]).toMatchObject({ method: "GET", path: "/scim/v2/Users", status: 200 });
    expect(entries[2]).toMatchObject({ status: 400, errorType: "invalidFilter" });
    expect(entries[3]).toMatchObject({ status: 401, errorType: "http_401", tenant: null });
    const all = lines.join("\n");
    for (const secret of [token, "scim_wrong_token", "Logged.Person", "logged.person", "Sup3r-Secret!"]) expect(all).not.toContain(secret);
  });
});
