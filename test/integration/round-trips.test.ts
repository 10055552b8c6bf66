import { env, evictDurableObject } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { CLIENT_CREDENTIALS, createClient, randomAddress } from "../helpers/oauth.ts";
import { type RoundTrips, roundTripsOf, serve } from "../helpers/round-trips.ts";
import { createAdminKey } from "../helpers/admin.ts";
import { addExtension, createTenant, entraUser, PATCH_OP, q, setSettings, type Tenant } from "../helpers/scim-client.ts";
import { seedMembers } from "../helpers/seed.ts";

// Round trips per request kind, asserted exactly (README: Round-trip budgets). Deployed, each D1 call
// is a network hop (from the tenant's writer, to D1's primary), and a tenant's writes wait for each
// other, so these numbers set a tenant's write ceiling. A change that adds one fails here and must
// say why it is worth it. Steady state: the token and the tenant's configuration are cached, as they
// are within 30 s of the tenant's previous request.

const GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group";
const patch = (...Operations: unknown[]) => ({ schemas: [PATCH_OP], Operations });

interface Caller {
  tenant: Tenant;
  send(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }>;
}

function callerFor(tenant: Tenant, options: { log?: boolean } = {}): Caller {
  return {
    tenant,
    async send(method, path, body) {
      const request = new Request(`http://${tenant.name}.localhost/scim/v2${path}`, {
        method,
        headers: { Authorization: `Bearer ${tenant.token}`, ...(body ? { "Content-Type": "application/scim+json" } : {}) },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const { response, body: text } = await serve(request, options);
      return { status: response.status, body: text ? JSON.parse(text) : undefined };
    },
  };
}

/** A tenant whose token and configuration this isolate has cached, as after its previous request. */
async function warmTenant(prefix: string): Promise<Caller> {
  const caller = callerFor(await createTenant(prefix));
  expect((await caller.send("GET", "/ServiceProviderConfig")).status).toBe(200);
  return caller;
}

/** Measures `work`, checking it answered `status` so a refused request can't pass for a cheap one. */
async function measure(status: number, work: () => Promise<{ status: number }>) {
  let answered = 0;
  const measured = await roundTripsOf(async () => {
    answered = (await work()).status;
  });
  expect(answered).toBe(status);
  return measured;
}

async function createUser(caller: Caller, userName: string): Promise<string> {
  const created = await caller.send("POST", "/Users", entraUser(userName));
  expect(created.status).toBe(201);
  return created.body.id;
}

async function createGroup(caller: Caller, displayName: string, members: string[] = []): Promise<string> {
  const created = await caller.send("POST", "/Groups", { schemas: [GROUP], displayName, members: members.map((value) => ({ value })) });
  expect(created.status).toBe(201);
  return created.body.id;
}

const writerOf = (tenant: string) => env.WRITER.get(env.WRITER.idFromName(tenant));

// The table README shows. d1: D1 calls (statements and batches); rpc: Durable Object calls.
const BUDGETS: Record<string, RoundTrips> = {
  "Test Connection (userName filter, no match)": { d1: 1, rpc: 0 },
  "userName match": { d1: 1, rpc: 0 },
  "list page of users (count=100)": { d1: 1, rpc: 0 },
  "POST /Users": { d1: 1, rpc: 1 },
  "POST /Users (tenant with a unique extension attribute)": { d1: 1, rpc: 1 },
  "PATCH /Users (tenant with a unique extension attribute, writer warm)": { d1: 1, rpc: 1 },
  "PATCH /Users (writer warm)": { d1: 1, rpc: 1 },
  "PATCH /Users (writer cold)": { d1: 2, rpc: 1 },
  "PUT /Users": { d1: 2, rpc: 1 },
  "DELETE /Users (hard)": { d1: 1, rpc: 1 },
  "DELETE /Users (soft)": { d1: 1, rpc: 1 },
  "POST /Groups (no members)": { d1: 1, rpc: 1 },
  "POST /Groups (3 members)": { d1: 2, rpc: 1 },
  "PATCH /Groups add 2 members": { d1: 1, rpc: 1 },
  "PATCH /Groups remove 1 member": { d1: 1, rpc: 1 },
  "PATCH /Groups add an unknown member (400)": { d1: 2, rpc: 1 },
  "group match (excludedAttributes=members)": { d1: 1, rpc: 0 },
  "list page of 3 groups with members": { d1: 2, rpc: 0 },
  "GET /Groups/{id} with 100,000 members": { d1: 22, rpc: 0 },
  "POST /Bulk with 3 creates": { d1: 3, rpc: 3 },
  "token endpoint (client credentials)": { d1: 1, rpc: 2 },
  // The provisioning log's own cost, beside any request's above (README: Provisioning log). A
  // successful request's row is written after the answer, from waitUntil, in one statement with the
  // rows buffered around it: alone here, it costs one call; in a burst, one per 100 rows or 200 ms.
  "provisioning log: Test Connection, its row flushed after the answer": { d1: 2, rpc: 0 },
  // A failed request's row is written before its answer: here the only D1 call (the filter failed to parse).
  "provisioning log: a 400 (invalid filter), its row written before the answer": { d1: 1, rpc: 0 },
  // A user's successful create, replace or patch records its row in the write's own statement (by
  // trigger, migrations/0015): no D1 call of its own, and no flush after the answer.
  "provisioning log: POST /Users, its row recorded by the write's statement": { d1: 1, rpc: 1 },
  "provisioning log: PATCH /Users, its row recorded by the write's statement": { d1: 1, rpc: 1 },
  // Any other successful write's row is written before its answer, as a failure's: one D1 call more.
  "provisioning log: DELETE /Users, its row written before the answer": { d1: 2, rpc: 1 },
  "provisioning log: PATCH /Groups add 1 member, its row written before the answer": { d1: 2, rpc: 1 },
  "provisioning log: POST /Bulk with 3 creates, its row written before the answer": { d1: 4, rpc: 3 },
  // The operator console (README: Console), its admin key cached. The tenants list: the tenants and
  // every tenant's 24 h activity, two statements sent together, however many tenants there are.
  "console: tenants list (as many with 3 tenants more)": { d1: 2, rpc: 0 },
  // The tenant's existence, its overview, config, auth state, then health, hourly counts and failure
  // groups (these last four in parallel).
  "console: a tenant's page": { d1: 7, rpc: 0 },
  // The tenant's existence, then the user, its events, its requests and the tenant's config in parallel.
  "console: a user's page": { d1: 5, rpc: 0 },
};

describe("round trips per request kind", () => {
  let caller: Caller;
  let userId: string;

  beforeAll(async () => {
    caller = await warmTenant("rt");
    userId = await createUser(caller, "alice@contoso.com");
  });

  const row = (kind: string, run: () => Promise<{ trips: RoundTrips; calls: string[] }>) =>
    it(kind, async () => {
      const { trips, calls } = await run();
      expect(trips, `${kind}:\n${calls.join("\n")}`).toEqual(BUDGETS[kind]);
    });

  row("Test Connection (userName filter, no match)", () =>
    measure(200, () => caller.send("GET", `/Users?filter=${q(`userName eq "${crypto.randomUUID()}"`)}`)),
  );
  row("userName match", () => measure(200, () => caller.send("GET", `/Users?filter=${q('userName eq "alice@contoso.com"')}`)));
  row("list page of users (count=100)", () => measure(200, () => caller.send("GET", "/Users?startIndex=1&count=100")));
  row("POST /Users", () => measure(201, () => caller.send("POST", "/Users", entraUser("bob@contoso.com"))));

  // The unique values ride in the user write's batch (src/db/unique-values.ts): still one D1 call.
  const HR = "urn:scim:hr:User";
  const uniqueTenant = async () => {
    const tenant = await createTenant("rtuniq");
    await addExtension(tenant.name, HR, [{ name: "EmployeeId", type: "string", uniqueness: "server" }]);
    const unique = callerFor(tenant);
    expect((await unique.send("GET", "/ServiceProviderConfig")).status).toBe(200);
    return unique;
  };
  row("POST /Users (tenant with a unique extension attribute)", async () => {
    const unique = await uniqueTenant();
    return measure(201, () => unique.send("POST", "/Users", entraUser("u1@contoso.com", { [HR]: { EmployeeId: "E1" } })));
  });
  row("PATCH /Users (tenant with a unique extension attribute, writer warm)", async () => {
    const unique = await uniqueTenant();
    const created = await unique.send("POST", "/Users", entraUser("u2@contoso.com", { [HR]: { EmployeeId: "E2" } }));
    return measure(200, () =>
      unique.send("PATCH", `/Users/${created.body.id}`, patch({ op: "Replace", path: `${HR}:EmployeeId`, value: "E3" })),
    );
  });

  row("PATCH /Users (writer warm)", async () => {
    const id = await createUser(caller, "warm@contoso.com");
    return measure(200, () => caller.send("PATCH", `/Users/${id}`, patch({ op: "Replace", path: "active", value: "False" })));
  });

  row("PATCH /Users (writer cold)", async () => {
    const id = await createUser(caller, "cold@contoso.com");
    // Production's incremental pass comes ~40 minutes after the create, on an evicted object.
    await evictDurableObject(writerOf(caller.tenant.name));
    return measure(200, () => caller.send("PATCH", `/Users/${id}`, patch({ op: "Replace", path: "name.familyName", value: "Cold" })));
  });

  row("PUT /Users", () =>
    measure(200, () => caller.send("PUT", `/Users/${userId}`, entraUser("alice@contoso.com", { displayName: "Alice" }))),
  );

  row("DELETE /Users (hard)", async () => {
    const id = await createUser(caller, "gone@contoso.com");
    return measure(204, () => caller.send("DELETE", `/Users/${id}`));
  });

  row("DELETE /Users (soft)", async () => {
    const soft = callerFor(await createTenant("rtsoft"));
    await setSettings(soft.tenant.name, { deleteMode: "soft" });
    const id = await createUser(soft, "kept@contoso.com");
    return measure(204, () => soft.send("DELETE", `/Users/${id}`));
  });

  row("POST /Groups (no members)", () => measure(201, () => caller.send("POST", "/Groups", { schemas: [GROUP], displayName: "Sales" })));

  row("POST /Groups (3 members)", async () => {
    const members = [await createUser(caller, "m1@contoso.com"), await createUser(caller, "m2@contoso.com"), userId];
    return measure(201, () =>
      caller.send("POST", "/Groups", { schemas: [GROUP], displayName: "Three", members: members.map((value) => ({ value })) }),
    );
  });

  row("PATCH /Groups add 2 members", async () => {
    const group = await createGroup(caller, "Adds");
    const members = [await createUser(caller, "a1@contoso.com"), await createUser(caller, "a2@contoso.com")];
    return measure(204, () =>
      caller.send("PATCH", `/Groups/${group}`, patch({ op: "Add", path: "members", value: members.map((value) => ({ value })) })),
    );
  });

  row("PATCH /Groups remove 1 member", async () => {
    const group = await createGroup(caller, "Removes", [userId]);
    return measure(204, () =>
      caller.send("PATCH", `/Groups/${group}`, patch({ op: "Remove", path: "members", value: [{ value: userId }] })),
    );
  });

  // Refused by the batch's guard, rolled back, then read to name the unknown id.
  row("PATCH /Groups add an unknown member (400)", async () => {
    const group = await createGroup(caller, "Refuses");
    return measure(400, () =>
      caller.send("PATCH", `/Groups/${group}`, patch({ op: "Add", path: "members", value: [{ value: crypto.randomUUID() }] })),
    );
  });

  row("group match (excludedAttributes=members)", async () => {
    await createGroup(caller, "Marketing", [userId]);
    return measure(200, () => caller.send("GET", `/Groups?excludedAttributes=members&filter=${q('displayName eq "Marketing"')}`));
  });

  row("list page of 3 groups with members", async () => {
    const groups = callerFor(await createTenant("rtgroups"));
    const member = await createUser(groups, "member@contoso.com");
    for (const name of ["G1", "G2", "G3"]) await createGroup(groups, name, [member]);
    return measure(200, () => groups.send("GET", "/Groups"));
  });

  row("GET /Groups/{id} with 100,000 members", async () => {
    const big = callerFor(await createTenant("rtbig"));
    const group = await createGroup(big, "Everyone");
    await seedMembers(big.tenant.name, group, 100_000);
    return measure(200, () => big.send("GET", `/Groups/${group}`));
  });

  row("POST /Bulk with 3 creates", () =>
    measure(200, () =>
      caller.send("POST", "/Bulk", {
        schemas: ["urn:ietf:params:scim:api:messages:2.0:BulkRequest"],
        Operations: ["b1", "b2", "b3"].map((n) => ({ method: "POST", path: "/Users", bulkId: n, data: entraUser(`${n}@contoso.com`) })),
      }),
    ),
  );

  row("token endpoint (client credentials)", async () => {
    const client = await createClient(caller.tenant.name);
    const form = new URLSearchParams({ ...CLIENT_CREDENTIALS, client_id: client.clientId, client_secret: client.secret });
    const request = () =>
      serve(
        new Request(`http://${caller.tenant.name}.localhost/oauth/token`, {
          method: "POST",
          headers: { "Content-Type": "application/x-www-form-urlencoded", "CF-Connecting-IP": randomAddress() },
          body: form.toString(),
        }),
      ).then(({ response }) => response);
    return measure(200, request);
  });

  row("provisioning log: Test Connection, its row flushed after the answer", () =>
    measure(200, () => callerFor(caller.tenant, { log: true }).send("GET", `/Users?filter=${q(`userName eq "${crypto.randomUUID()}"`)}`)),
  );
  row("provisioning log: a 400 (invalid filter), its row written before the answer", () =>
    measure(400, () => callerFor(caller.tenant, { log: true }).send("GET", `/Users?filter=${q("userName eq")}`)),
  );
  row("provisioning log: POST /Users, its row recorded by the write's statement", () =>
    measure(201, () => callerFor(caller.tenant, { log: true }).send("POST", "/Users", entraUser("logged@contoso.com"))),
  );
  row("provisioning log: PATCH /Users, its row recorded by the write's statement", () =>
    measure(200, () =>
      callerFor(caller.tenant, { log: true }).send(
        "PATCH",
        `/Users/${userId}`,
        patch({ op: "Replace", path: "displayName", value: "Logged" }),
      ),
    ),
  );
  row("provisioning log: DELETE /Users, its row written before the answer", async () => {
    const id = await createUser(caller, "logged-gone@contoso.com");
    return measure(204, () => callerFor(caller.tenant, { log: true }).send("DELETE", `/Users/${id}`));
  });
  row("provisioning log: PATCH /Groups add 1 member, its row written before the answer", async () => {
    const group = await createGroup(caller, "Logged");
    return measure(204, () =>
      callerFor(caller.tenant, { log: true }).send(
        "PATCH",
        `/Groups/${group}`,
        patch({ op: "Add", path: "members", value: [{ value: userId }] }),
      ),
    );
  });
  row("provisioning log: POST /Bulk with 3 creates, its row written before the answer", () =>
    measure(200, () =>
      callerFor(caller.tenant, { log: true }).send("POST", "/Bulk", {
        schemas: ["urn:ietf:params:scim:api:messages:2.0:BulkRequest"],
        Operations: ["lb1", "lb2", "lb3"].map((name) => ({
          method: "POST",
          path: "/Users",
          bulkId: name,
          data: entraUser(`${name}@contoso.com`),
        })),
      }),
    ),
  );

  const consolePage = async (path: string) => {
    const { key } = await createAdminKey("*");
    const get = () =>
      serve(new Request(`http://localhost/console${path}`, { headers: { Cookie: `scim_console=${key}` } })).then(
        ({ response }) => response,
      );
    expect((await get()).status).toBe(200);
    return measure(200, get);
  };
  row("console: tenants list (as many with 3 tenants more)", async () => {
    const before = await consolePage("/tenants");
    for (const _ of [1, 2, 3]) await createTenant("rtcon");
    const after = await consolePage("/tenants");
    expect(after.trips).toEqual(before.trips);
    return after;
  });
  row("console: a tenant's page", () => consolePage(`/tenants/${caller.tenant.name}`));
  row("console: a user's page", () => consolePage(`/tenants/${caller.tenant.name}/users/${userId}`));
});
