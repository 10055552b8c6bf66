// Where a tenant's SCIM endpoint lives, as the operator pastes it into Entra ("Tenant URL").
// The Worker finds the tenant from the host's first label ({tenant}.{BASE_DOMAIN}).

import { existsSync } from "node:fs";
import { join } from "node:path";
import type { Target } from "./args.ts";
import { CliError } from "./errors.ts";
import { PROJECT_ROOT } from "./wrangler.ts";

// `npm run dev` listens here, and *.localhost resolves to the loopback address without DNS.
const LOCAL_ORIGIN_SUFFIX = "localhost:8787";

const HOST_NAME = /^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)+$/;

export function tenantUrl(tenant: string, target: Target, baseDomain: string): string {
  return target.remote ? `https://${tenant}.${baseDomain}/scim/v2` : `http://${tenant}.${LOCAL_ORIGIN_SUFFIX}/scim/v2`;
}

/** The tenant's OAuth token endpoint (RFC 6749 §3.2), as the customer pastes it into Entra. */
export const tokenEndpoint = (tenant: string, target: Target, baseDomain: string) =>
  tenantUrl(tenant, target, baseDomain).replace(/\/scim\/v2$/, "/oauth/token");

/** A deployed tenant URL needs a real domain; "localhost" is wrangler.toml's local default. */
export function checkRemoteBaseDomain(domain: string, source: string): string {
  const normalised = domain.trim().toLowerCase().replace(/\.$/, "");
  if (normalised === "localhost" || normalised.endsWith(".localhost")) {
    throw new CliError(
      `BASE_DOMAIN is "${domain}" (${source}), which only works locally. Set the deployed domain: ` +
        `BASE_DOMAIN=scim.example.com npm run tenant -- ... --remote, or [vars] BASE_DOMAIN in wrangler.toml.`,
    );
  }
  if (!HOST_NAME.test(normalised)) {
    throw new CliError(`BASE_DOMAIN "${domain}" (${source}) is not a host name such as scim.example.com`);
  }
  return normalised;
}

/**
 * The domain deployed tenants live under: $BASE_DOMAIN, else wrangler.toml's [vars] BASE_DOMAIN
 * (what the deployed Worker itself reads). Local URLs do not need it.
 */
export async function resolveBaseDomain(target: Target, env: Record<string, string | undefined>): Promise<string> {
  if (!target.remote) return "localhost";
  if (env.BASE_DOMAIN) return checkRemoteBaseDomain(env.BASE_DOMAIN, "from $BASE_DOMAIN");
  // wrangler's own reader, so wrangler.json(c) and the config wrangler would use are honoured too.
  // Loaded only here: importing wrangler costs about a second.
  const { unstable_readConfig } = await import("wrangler");
  const config = unstable_readConfig({ config: target.config ?? defaultConfigPath() }, { hideWarnings: true });
  const domain = config.vars?.BASE_DOMAIN;
  if (typeof domain !== "string" || domain === "") {
    throw new CliError("BASE_DOMAIN is not set: export BASE_DOMAIN=scim.example.com or set [vars] BASE_DOMAIN in wrangler.toml");
  }
  return checkRemoteBaseDomain(domain, `from ${config.configPath ?? "wrangler.toml"} [vars]`);
}

/** The file the spawned wrangler reads (it runs in the project root), whatever the caller's cwd. */
function defaultConfigPath(): string | undefined {
  return ["wrangler.json", "wrangler.jsonc", "wrangler.toml"].map((name) => join(PROJECT_ROOT, name)).find((path) => existsSync(path));
}
