import { env } from "cloudflare:test";
import { afterEach, describe, expect, it, vi } from "vitest";
import { database } from "../../src/db/client.ts";
import type { WriteContext } from "../../src/domain/context.ts";
import { recentWrites } from "../../src/domain/recent.ts";
import { createUser } from "../../src/domain/users.ts";
import { TenantWriter } from "../../src/durable/tenant-writer.ts";
import { hashPassword } from "../../src/lib/crypto.ts";
import { userResourceType } from "../../src/scim/schema/resource-type.ts";
import { createTenant, entraUser, PATCH_OP, USER_SCHEMA } from "../helpers/scim-client.ts";

// PBKDF2 (about 15 ms) runs in the Worker before the RPC, never inside the tenant's serial writer,
// where every other write of the tenant would wait for it.

const patch = (...Operations: unknown[]) => ({ schemas: [PATCH_OP], Operations });
const fromBase64url = (text: string) => Uint8Array.from(atob(text.replaceAll("-", "+").replaceAll("_", "/")), (c) => c.charCodeAt(0));

/** Whether `stored` (lib/crypto.ts's format) is a hash of `password`, recomputed as a verifier would. */
async function hashes(stored: string, password: string): Promise<boolean> {
  const [scheme, iterations, salt, expected] = stored.split("$");
  if (scheme !== "pbkdf2-sha256") return false;
  const key = await crypto.subtle.importKey("raw", new TextEncoder().encode(password), "PBKDF2", false, ["deriveBits"]);
  const params = { name: "PBKDF2", hash: "SHA-256", salt: fromBase64url(salt), iterations: Number(iterations) };
  const bits = new Uint8Array(await crypto.subtle.deriveBits(params, key, 256));
  const want = fromBase64url(expected);
  return bits.length === want.length && bits.every((b, i) => b === want[i]);
}

async function storedHash(tenant: string, id: string): Promise<string | null> {
  const row = await env.DB.prepare("SELECT password_hash FROM users WHERE tenant_id = ? AND id = ?")
    .bind(tenant, id)
    .first<{ password_hash: string | null }>();
  return row?.password_hash ?? null;
}

afterEach(() => vi.restoreAllMocks());

describe("passwords", () => {
  it("hashes in the Worker before the writer's call, and the writer hashes nothing", async () => {
    const { client } = await createTenant();
    const events: string[] = [];
    const derive = crypto.subtle.deriveBits.bind(crypto.subtle);
    vi.spyOn(crypto.subtle, "deriveBits").mockImplementation((...args) => {
      events.push("pbkdf2");
      return derive(...args);
    });
    const create = TenantWriter.prototype.create;
    vi.spyOn(TenantWriter.prototype, "create").mockImplementation(function (this: TenantWriter, ...args) {
      events.push(`writer.create ${JSON.stringify(args).includes("Create-Secret-1") ? "with" : "without"} plaintext`);
      return create.apply(this, args);
    });
    const created = await client.post("/Users", entraUser("hash_order", { password: "Create-Secret-1" }));
    expect(created.status).toBe(201);
    expect(events).toEqual(["pbkdf2", "writer.create without plaintext"]);
  });

  it("sets a password from POST, PUT and every PATCH form, stores only its hash and never returns it", async () => {
    const { client, name } = await createTenant();
    const sent: string[] = [];
    const calls: string[] = [];
    for (const method of ["create", "replace", "patch"] as const) {
      const original = TenantWriter.prototype[method] as (...args: unknown[]) => unknown;
      vi.spyOn(TenantWriter.prototype, method).mockImplementation(function (this: TenantWriter, ...args: unknown[]) {
        calls.push(JSON.stringify(args));
        return original.apply(this, args) as never;
      });
    }
    const user = (await client.post("/Users", entraUser("pw_forms", { password: "Post-Secret-0" }))).body;
    sent.push("Post-Secret-0");
    expect(await hashes(String(await storedHash(name, user.id)), "Post-Secret-0")).toBe(true);

    const put = await client.put(`/Users/${user.id}`, { schemas: [USER_SCHEMA], userName: "pw_forms", password: "Put-Secret-1" });
    sent.push("Put-Secret-1");
    expect(put.status).toBe(200);
    expect(await hashes(String(await storedHash(name, user.id)), "Put-Secret-1")).toBe(true);

    const forms: [string, unknown][] = [
      ["Patch-Secret-2", { op: "Replace", path: "password", value: "Patch-Secret-2" }],
      ["Patch-Secret-3", { op: "replace", path: "PASSWORD", value: ["Patch-Secret-3"] }],
      ["Patch-Secret-4", { op: "add", path: `${USER_SCHEMA}:password`, value: "Patch-Secret-4" }],
      ["Patch-Secret-5", { op: "replace", value: { displayName: "Shown Name", Password: "Patch-Secret-5" } }],
      ["Patch-Secret-6", { op: "replace", value: { [`${USER_SCHEMA}:password`]: "Patch-Secret-6" } }],
      ["Patch-Secret-7", { op: "replace", value: { [USER_SCHEMA]: { password: "Patch-Secret-7" } } }],
      ["Patch-Secret-8", { op: "replace", path: USER_SCHEMA, value: { password: "Patch-Secret-8" } }],
    ];
    for (const [password, op] of forms) {
      sent.push(password);
      const response = await client.patch(`/Users/${user.id}`, patch(op));
      expect(response.status, JSON.stringify(op)).toBe(200);
      expect(JSON.stringify(response.body)).not.toContain(`"password"`);
      expect(await hashes(String(await storedHash(name, user.id)), password), JSON.stringify(op)).toBe(true);
    }
    // The other attributes of a path-less value are applied as sent.
    expect((await client.get(`/Users/${user.id}`)).body.displayName).toBe("Shown Name");

    expect(calls).toHaveLength(1 + 1 + forms.length);
    for (const call of calls) for (const password of sent) expect(call).not.toContain(password);
  });

  it("keeps the password when a PATCH clears or removes it, as before", async () => {
    const { client, name } = await createTenant();
    const user = (await client.post("/Users", entraUser("pw_keep", { password: "Kept-Secret" }))).body;
    const before = await storedHash(name, user.id);
    for (const op of [
      { op: "replace", path: "password", value: "" },
      { op: "replace", path: "password", value: null },
      { op: "remove", path: "password" },
    ]) {
      expect((await client.patch(`/Users/${user.id}`, patch(op))).status).toBe(200);
      expect(await storedHash(name, user.id)).toBe(before);
    }
  });

  it("the writer stores a hash the Worker made as it is, and hashes any other password it is given", async () => {
    const { name } = await createTenant();
    const ctx = (hashedPasswords: string[]): WriteContext => ({
      db: database(env.DB),
      tenant: name,
      type: userResourceType,
      policy: { extensions: [], allowedDomains: [], deleteMode: "hard", rate: { limit: 1000, windowSeconds: 1 } },
      recentUsers: recentWrites(),
      hashedPasswords,
    });
    const made = await hashPassword("Worker-Hashed");
    const derive = vi.spyOn(crypto.subtle, "deriveBits");
    const hashedByWorker = await createUser(ctx([made]), { userName: "pre_hashed", password: made });
    expect(derive).not.toHaveBeenCalled();
    expect(await storedHash(name, hashedByWorker.id)).toBe(made);

    const unlisted = await createUser(ctx([made]), { userName: "plain", password: "Plain-Secret" });
    const stored = String(await storedHash(name, unlisted.id));
    expect(stored).not.toBe("Plain-Secret");
    expect(await hashes(stored, "Plain-Secret")).toBe(true);
  });
});
