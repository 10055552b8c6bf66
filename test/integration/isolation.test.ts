import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { createTenant, entraUser, PATCH_OP, q, scimClient } from "../helpers/scim-client.ts";

const GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group";
const BULK = "urn:ietf:params:scim:api:messages:2.0:BulkRequest";
const SEARCH = "urn:ietf:params:scim:api:messages:2.0:SearchRequest";

/** Everything tenant A holds, as rows: compared before and after B's attempts. */
async function snapshot(tenant: string) {
  const tables = ["users", "user_emails", "groups", "group_members"];
  const rows = await Promise.all(
    tables.map((t) => env.DB.prepare(`SELECT * FROM ${t} WHERE tenant_id = ? ORDER BY 1, 2, 3`).bind(tenant).all()),
  );
  return rows.map((r) => r.results);
}

describe("tenant isolation on every endpoint", () => {
  it("gives tenant B nothing of tenant A's, and changes nothing of A's, whatever B sends", async () => {
    const a = await createTenant("iso-a");
    const b = await createTenant("iso-b");
    const user = (await a.client.post("/Users", entraUser("secret.person@a.com", { externalId: "a-ext" }))).body;
    const group = (
      await a.client.post("/Groups", { schemas: [GROUP], displayName: "A team", externalId: "a-group", members: [{ value: user.id }] })
    ).body;
    const bUser = (await b.client.post("/Users", entraUser("b.person@b.com"))).body;
    const before = await snapshot(a.name);
    const patch = (Operations: unknown[]) => ({ schemas: [PATCH_OP], Operations });

    const attempts: [string, Promise<{ status: number; body: any }>][] = [
      ["GET user", b.client.get(`/Users/${user.id}`)],
      ["GET group", b.client.get(`/Groups/${group.id}`)],
      ["PUT user", b.client.put(`/Users/${user.id}`, { userName: "taken.over@b.com" })],
      ["PUT group", b.client.put(`/Groups/${group.id}`, { displayName: "taken" })],
      ["PATCH user", b.client.patch(`/Users/${user.id}`, patch([{ op: "replace", path: "active", value: false }]))],
      ["PATCH group", b.client.patch(`/Groups/${group.id}`, patch([{ op: "remove", path: "members" }]))],
      ["DELETE user", b.client.delete(`/Users/${user.id}`)],
      ["DELETE group", b.client.delete(`/Groups/${group.id}`)],
      ["filter by id", b.client.get(`/Users?filter=${q(`id eq "${user.id}"`)}`)],
      ["filter by userName", b.client.get(`/Users?filter=${q('userName eq "secret.person@a.com"')}`)],
      ["filter by externalId", b.client.get(`/Users?filter=${q('externalId eq "a-ext"')}`)],
      ["filter by email", b.client.get(`/Users?filter=${q('emails.value co "secret"')}`)],
      ["filter by group", b.client.get(`/Users?filter=${q(`groups eq "${group.id}"`)}`)],
      ["group by member", b.client.get(`/Groups?filter=${q(`members eq "${user.id}"`)}`)],
      ["group by name", b.client.get(`/Groups?filter=${q('displayName eq "A team"')}`)],
      ["membership check", b.client.get(`/Groups?filter=${q(`id eq "${group.id}" and members eq "${user.id}"`)}`)],
      ["search", b.client.post("/.search", { schemas: [SEARCH], filter: 'userName co "secret"' })],
      ["users search", b.client.post("/Users/.search", { schemas: [SEARCH] })],
      // B adding A's user to B's group, or making a group of A's members.
      ["B group with A's member", b.client.post("/Groups", { schemas: [GROUP], displayName: "B", members: [{ value: user.id }] })],
      [
        "bulk on A's ids",
        b.client.post("/Bulk", {
          schemas: [BULK],
          Operations: [
            { method: "DELETE", path: `/Users/${user.id}` },
            { method: "PATCH", path: `/Groups/${group.id}`, data: patch([{ op: "add", path: "members", value: [{ value: bUser.id }] }]) },
          ],
        }),
      ],
    ];
    for (const [label, pending] of attempts) {
      const response = await pending;
      // A's data never shows (an error may echo the id B itself sent).
      const text = JSON.stringify(response.body ?? "");
      for (const secret of ["secret.person", "a-ext", "A team", "a-group"]) expect(text, label).not.toContain(secret);
      if (response.status === 200 && response.body?.Resources) {
        expect(
          response.body.Resources.filter((r: any) => r.id === user.id || r.id === group.id),
          label,
        ).toEqual([]);
      } else if (response.status === 200 && response.body?.Operations) {
        expect(
          response.body.Operations.map((o: any) => o.status),
          label,
        ).toEqual(["404", "404"]);
      } else {
        expect([400, 404], label).toContain(response.status);
      }
    }
    // The same userName is free in B: A's user doesn't exist there.
    expect((await b.client.post("/Users", entraUser("secret.person@a.com"))).status).toBe(201);
    expect(await snapshot(a.name)).toEqual(before);
  });

  it("refuses a token on another tenant's host on every endpoint", async () => {
    const a = await createTenant("iso-c");
    const b = await createTenant("iso-d");
    const wrongHost = scimClient({ host: `${b.name}.localhost`, token: a.token });
    for (const [method, path] of [
      ["GET", "/Users"],
      ["POST", "/Users"],
      ["GET", "/Users/x"],
      ["PUT", "/Users/x"],
      ["PATCH", "/Users/x"],
      ["DELETE", "/Users/x"],
      ["GET", "/Groups"],
      ["POST", "/Groups"],
      ["POST", "/Bulk"],
      ["POST", "/.search"],
      ["GET", "/ServiceProviderConfig"],
      ["GET", "/Schemas"],
      ["GET", "/ResourceTypes"],
      ["GET", "/Me"],
    ]) {
      const response = await wrongHost.request(method, path, method === "GET" || method === "DELETE" ? undefined : {});
      expect(response.status, `${method} ${path}`).toBe(401);
    }
  });
});
