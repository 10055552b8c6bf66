import { TENANT_NAME } from "../lib/token-store.ts";

export type HostTenant = { kind: "tenant"; tenant: string } | { kind: "apex" } | { kind: "invalid" };

/**
 * "{tenant}.{BASE_DOMAIN}" names a tenant. Any other host (BASE_DOMAIN itself, 127.0.0.1, a
 * workers.dev name) is the single-host form, where the token alone decides the tenant.
 */
export function tenantFromHost(host: string, baseDomain: string): HostTenant {
  const name = host.toLowerCase().replace(/:\d+$/, "").replace(/\.$/, "");
  const suffix = `.${baseDomain.toLowerCase()}`;
  if (!name.endsWith(suffix)) return { kind: "apex" };
  const label = name.slice(0, -suffix.length);
  return TENANT_NAME.test(label) ? { kind: "tenant", tenant: label } : { kind: "invalid" };
}
