import { database } from "../db/client.ts";
import { revokeClientSecret, setCaptureBodiesUntil, swapTokenHash, tokenHashOf } from "../db/console.ts";
import type { Env } from "../env.ts";
import { generateToken, sha256Hex } from "../lib/crypto.ts";
import { type TokenRecord, tokenKey } from "../lib/token-store.ts";
import { ConsoleError, noSuchTenant } from "./errors.ts";
import type { Operator } from "./operator.ts";

// The operator actions the CLI has that are safe in a browser. Each one is logged with who did it.

/** One JSON line per action, beside the request log's lines in Workers Logs. Never a secret. */
export function recordAction(operator: Operator, tenant: string, action: string, detail: Record<string, unknown> = {}) {
  console.log(JSON.stringify({ level: "info", event: "console_action", action, tenant, operator: operator.name, ...detail }));
}

/**
 * A new Secret Token for the tenant, returned once; the old one stops working. The CLI's order
 * (src/cli/commands.ts rotateToken): the old KV key goes before the row forgets it and the new one
 * comes after the row records it, so a failure half-way leaves no live token the tenant row cannot name.
 */
export async function rotateSecretToken(
  env: Env,
  tenant: string,
  now: Date,
  confirms: (oldHash: string | null) => Promise<boolean>,
): Promise<string> {
  const db = database(env.DB);
  const old = await tokenHashOf(db, tenant);
  if (old === undefined) throw noSuchTenant(tenant);
  if (!(await confirms(old))) {
    throw new ConsoleError(
      409,
      "the Secret Token was already rotated since this page was shown: open the rotate page again to rotate once more",
    );
  }
  const token = generateToken();
  const hash = await sha256Hex(token);
  if (old !== null) await env.TOKENS.delete(tokenKey(old));
  if (!(await swapTokenHash(db, tenant, old, hash))) {
    throw new ConsoleError(409, "the token changed while this rotation ran (another operator?): rotate again");
  }
  const record: TokenRecord = { tenant, createdAt: now.toISOString() };
  // The metadata lets `kv key list` attribute keys to tenants, as the CLI's keys are.
  await env.TOKENS.put(tokenKey(hash), JSON.stringify(record), { metadata: { tenant } });
  return token;
}

export async function revokeSecret(env: Env, tenant: string, clientId: string, secretId: string, now: Date) {
  if (!(await revokeClientSecret(database(env.DB), tenant, clientId, secretId, now.toISOString()))) {
    throw new ConsoleError(404, `no live secret ${secretId} of client ${clientId}`);
  }
}

/** Failed requests' bodies are captured until `until` (null: off now). */
export async function setBodyCapture(env: Env, tenant: string, until: string | null, now: Date) {
  if (!(await setCaptureBodiesUntil(database(env.DB), tenant, until, now.toISOString()))) throw noSuchTenant(tenant);
}
