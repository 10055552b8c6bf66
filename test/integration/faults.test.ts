import { abortAllDurableObjects, env } from "cloudflare:test";
import { afterEach, describe, expect, it, vi } from "vitest";
import { domains, type ResourceDomain } from "../../src/domain/resources.ts";
import { ScimError } from "../../src/scim/errors.ts";
import { createTenant, entraUser, PATCH_OP, q } from "../helpers/scim-client.ts";

// Faults injected into the real storage and the real writer: a SQLite trigger makes D1 refuse one
// statement of a write's batch, after others of the same batch already ran, with the text D1 gives
// for a storage failure or with any other; a bug thrown in the writer's domain code; and the Durable
// Objects reset while writes are inside the writer. The writer shares the tests' isolate, so a test
// can replace its domain functions (never D1, KV or the Durable Object themselves).

/** D1's own text for a dropped connection (its "List of D1_ERRORs"): what a storage failure looks like. */
const STORAGE_FAILURE = "Network connection lost.";

const failOnEmail = (value: string, message = STORAGE_FAILURE) =>
  env.DB.exec(
    `CREATE TRIGGER IF NOT EXISTS inject_failure BEFORE INSERT ON user_emails WHEN NEW.value = '${value}' BEGIN SELECT RAISE(ABORT, '${message}'); END`,
  );

const userCount = async (tenant: string) =>
  (await env.DB.prepare("SELECT count(*) AS n FROM users WHERE tenant_id = ?").bind(tenant).first<{ n: number }>())?.n;

/** The JSON lines logged at error level while `work` runs. */
async function errorLines(work: () => Promise<unknown>): Promise<Record<string, unknown>[]> {
  const error = vi.spyOn(console, "error").mockImplementation(() => {});
  await work();
  return error.mock.calls.map(([line]) => JSON.parse(String(line)));
}

const original = domains.User;

afterEach(async () => {
  vi.restoreAllMocks();
  Object.defineProperty(domains, "User", { value: original, writable: true, configurable: true, enumerable: true });
  await env.DB.exec("DROP TRIGGER IF EXISTS inject_failure");
});

describe("storage faults", () => {
  it("answers 503 with Retry-After when D1 fails inside a create, and leaves no partial state", async () => {
    const { client, name } = await createTenant();
    await failOnEmail("doomed@contoso.com");
    const response = await client.post("/Users", entraUser("doomed", { emails: [{ type: "work", value: "doomed@contoso.com" }] }));
    expect(response.status).toBe(503);
    expect(response.headers.get("Retry-After")).toBe("30");
    expect(response.body).toMatchObject({ schemas: ["urn:ietf:params:scim:api:messages:2.0:Error"], status: "503" });
    // The users row went in before the email insert failed: the batch rolled it back.
    expect(await userCount(name)).toBe(0);
    // The writer goes on: the next write of the tenant works, and Entra's retry succeeds once storage is back.
    expect((await client.post("/Users", entraUser("next_user"))).status).toBe(201);
    await env.DB.exec("DROP TRIGGER inject_failure");
    expect((await client.post("/Users", entraUser("doomed", { emails: [{ type: "work", value: "doomed@contoso.com" }] }))).status).toBe(
      201,
    );
  });

  it("leaves a user byte-for-byte unchanged when D1 fails inside a PATCH", async () => {
    const { client, name } = await createTenant();
    const user = (await client.post("/Users", entraUser("steady"))).body;
    const before = await env.DB.prepare("SELECT * FROM users WHERE tenant_id = ? AND id = ?").bind(name, user.id).first();
    await failOnEmail("bad@contoso.com");
    const response = await client.patch(`/Users/${user.id}`, {
      schemas: [PATCH_OP],
      Operations: [
        { op: "replace", path: "displayName", value: "Changed" },
        { op: "add", path: "emails", value: [{ value: "bad@contoso.com" }] },
      ],
    });
    expect(response.status).toBe(503);
    expect(await env.DB.prepare("SELECT * FROM users WHERE tenant_id = ? AND id = ?").bind(name, user.id).first()).toEqual(before);
    const emails = await env.DB.prepare("SELECT value FROM user_emails WHERE tenant_id = ? AND user_id = ?").bind(name, user.id).all();
    expect(emails.results).toEqual([{ value: "steady@testuser.com" }]);
  });

  it("loses no acknowledged write, and answers 503 to every write inside the writer, when the Durable Objects are reset", async () => {
    const { client } = await createTenant();
    const acknowledged = await Promise.all(Array.from({ length: 20 }, (_, i) => client.post("/Users", entraUser(`before_${i}`))));
    expect(acknowledged.map((r) => r.status)).toEqual(Array(20).fill(201));

    // From here the writer holds the first create it runs, and counts the writes that reach it, so
    // the reset comes with exactly one write running and ten queued behind it, whatever the timing.
    let arrived = 0;
    let running = false;
    const holding: ResourceDomain = {
      ...original,
      create: async (ctx, data) => {
        running = true;
        await new Promise((resolve) => setTimeout(resolve, 60_000));
        return original.create(ctx, data);
      },
    };
    Object.defineProperty(domains, "User", {
      configurable: true,
      enumerable: true,
      get: () => {
        arrived++;
        return holding;
      },
    });
    const names = Array.from({ length: 11 }, (_, i) => `during_${i}`);
    const inside = names.map((n) => client.post("/Users", entraUser(n)));
    while (arrived < names.length || !running) await new Promise((resolve) => setTimeout(resolve, 1));
    const logged = await errorLines(async () => {
      await abortAllDurableObjects();
      // The RPC failed under each of them: whether it landed is unknown to the Worker, so a retryable 503, never a 500.
      expect((await Promise.all(inside)).map((r) => r.status)).toEqual(Array(names.length).fill(503));
    });
    expect(logged.map((line) => line.event)).toEqual(Array(names.length).fill("writer_unreachable"));
    Object.defineProperty(domains, "User", { value: original, writable: true, configurable: true, enumerable: true });

    for (const [i, response] of acknowledged.entries()) {
      const found = await client.get(`/Users?filter=${q(`userName eq "before_${i}"`)}`);
      expect(found.body.Resources[0]?.id).toBe(response.body.id);
    }
    // Entra retries the rest, on a new writer: each lands once.
    for (const n of names) expect((await client.post("/Users", entraUser(n))).status).toBe(201);
    expect((await client.get("/Users?count=0")).body.totalResults).toBe(31);
  });
});

describe("bugs are 500s, never 503s", () => {
  const internalErrors = (lines: Record<string, unknown>[]) => lines.filter((line) => line.event === "internal_error");

  it("answers 500 when D1 refuses a write for a reason that is not storage failing, with the stack in the log", async () => {
    const { client, name } = await createTenant();
    await failOnEmail("odd@contoso.com", "injected: not a storage failure");
    let response: Awaited<ReturnType<typeof client.post>> | undefined;
    const logged = await errorLines(async () => {
      response = await client.post("/Users", entraUser("odd", { emails: [{ type: "work", value: "odd@contoso.com" }] }));
    });
    expect(response?.status).toBe(500);
    expect(response?.headers.get("Retry-After")).toBeNull();
    expect(response?.body).toEqual({ schemas: ["urn:ietf:params:scim:api:messages:2.0:Error"], status: "500", detail: "internal error" });
    const [line] = internalErrors(logged);
    expect(line?.message).toContain("injected: not a storage failure");
    expect(line?.stack).toMatch(/injected: not a storage failure[\s\S]*\n\s+at /);
    // The failed query's SQL is there, its bound values (the user's attributes) never are.
    expect(line?.message).toContain('insert into "users"');
    expect(JSON.stringify(logged)).not.toContain("odd@contoso.com");
    expect(await userCount(name)).toBe(0);
    // The writer goes on.
    expect((await client.post("/Users", entraUser("after_bug"))).status).toBe(201);
  });

  it("carries a TypeError thrown inside the writer back as a 500 with the writer's stack", async () => {
    const { client } = await createTenant();
    vi.spyOn(domains.User, "create").mockImplementationOnce(async function brokenCreate() {
      throw new TypeError("Cannot read properties of undefined (reading 'value')");
    });
    let status: number | undefined;
    const logged = await errorLines(async () => {
      status = (await client.post("/Users", entraUser("typo"))).status;
    });
    expect(status).toBe(500);
    const [line] = internalErrors(logged);
    expect(line).toMatchObject({ name: "TypeError", message: "Cannot read properties of undefined (reading 'value')" });
    expect(line?.stack).toContain("brokenCreate");
  });

  it("tells a bug the writer throws before a write starts (marked remote) from the call to it failing: 500", async () => {
    const { client } = await createTenant();
    Object.defineProperty(domains, "User", {
      configurable: true,
      enumerable: true,
      get: () => {
        throw new TypeError("domains.User is broken");
      },
    });
    let status: number | undefined;
    const logged = await errorLines(async () => {
      status = (await client.post("/Users", entraUser("early"))).status;
    });
    expect(status).toBe(500);
    expect(internalErrors(logged)[0]?.message).toBe("domains.User is broken");
    expect(logged.map((line) => line.event)).not.toContain("writer_unreachable");
  });

  it("answers 500 when code pairs a scimType with a status RFC 7644 does not allow", async () => {
    const { client } = await createTenant();
    vi.spyOn(domains.User, "create").mockImplementationOnce(async () => {
      throw new ScimError(404, "no such user", "uniqueness");
    });
    let status: number | undefined;
    const logged = await errorLines(async () => {
      status = (await client.post("/Users", entraUser("mispaired"))).status;
    });
    expect(status).toBe(500);
    expect(internalErrors(logged)[0]?.message).toBe("scimType uniqueness cannot travel with status 404");
  });
});
