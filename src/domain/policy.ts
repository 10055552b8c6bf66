import { badRequest } from "../scim/errors.ts";
import type { ScimData } from "../scim/validate.ts";

const domainOf = (address: string) => {
  const at = address.lastIndexOf("@");
  return at < 0 ? undefined : address.slice(at + 1).toLowerCase();
};

/**
 * A tenant restricted to its verified domains (GoTo-style) takes a user only if the userName and
 * every work email are addresses in one of them. The message is written for an Entra admin
 * reading the provisioning log.
 */
export function checkAllowedDomains(data: ScimData, allowed: string[]): void {
  if (allowed.length === 0) return;
  const list = allowed.join(", ");
  const check = (what: string, address: string) => {
    const domain = domainOf(address);
    if (!domain || !allowed.includes(domain)) {
      throw badRequest(
        "invalidValue",
        `${what} "${address}" is not in an email domain this organisation allows (${list}); change the attribute mapping or the user's address`,
      );
    }
  };
  check("userName", String(data.userName));
  const emails = (data.emails as { value?: string; type?: string }[] | undefined) ?? [];
  for (const email of emails) {
    if (email.type?.toLowerCase() === "work" && email.value) check("work email", email.value);
  }
}
