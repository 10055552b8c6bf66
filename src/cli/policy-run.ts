// Runs one schema or policy command and renders its result: one JSON value with --json, text otherwise.

import type { Context } from "./commands.ts";
import { CliError } from "./errors.ts";
import { json } from "./output.ts";
import type { PolicyRequest } from "./policy-args.ts";
import * as commands from "./policy-commands.ts";

const flags = (a: commands.ExtensionListing["attributes"][number]) =>
  [
    a.multiValued && "multi",
    a.required && "required",
    a.caseExact && "caseExact",
    a.mutability !== "readWrite" && a.mutability,
    a.returned !== "default" && `returned=${a.returned}`,
    a.uniqueness !== "none" && "unique",
    a.canonicalValues && `values=${a.canonicalValues.join("|")}`,
  ].filter(Boolean);

export const extensionText = (e: commands.ExtensionListing) =>
  `${e.urn} (${e.resourceType}${e.required ? ", required" : ""})\n` +
  e.attributes.map((a) => `  ${a.name}: ${a.type}${flags(a).length ? ` [${flags(a).join(", ")}]` : ""}`).join("\n");

export const settingsText = (s: commands.ProvisioningSettings) =>
  [
    `Allowed email domains: ${s.allowedDomains.length ? s.allowedDomains.join(", ") : "any"}`,
    `DELETE: ${s.deleteMode === "hard" ? "hard delete" : "soft delete (deactivate and hide; a re-create restores)"}`,
    `Group provisioning: ${s.groupsEnabled ? "on" : "off"}`,
    `Rate limit: ${s.rateLimitPerSecond === null ? "deployment default (TENANT_RATE_LIMIT)" : `${s.rateLimitPerSecond} requests/s`}`,
    `Change feed retention: ${s.eventRetentionDays === null ? "deployment default (EVENT_RETENTION_DAYS)" : `${s.eventRetentionDays} days`}`,
    `Provisioning log retention: ${s.requestLogRetentionDays === null ? "deployment default (REQUEST_LOG_RETENTION_DAYS)" : `${s.requestLogRetentionDays} days`}`,
    `Body capture of failed requests: ${s.captureBodiesUntil === null || Date.parse(s.captureBodiesUntil) <= Date.now() ? "off" : `on until ${s.captureBodiesUntil}`}`,
  ].join("\n");

export async function runPolicyCommand(request: PolicyRequest, ctx: Context): Promise<string> {
  const render = <T>(result: T, asText: (r: T) => string) => (request.json ? json(result) : `${asText(result)}\n`);
  switch (request.command) {
    case "schema add":
      return render(await commands.addSchema(request, ctx), (r) => `Added to ${r.tenant}:\n${extensionText({ ...r, createdAt: "" })}`);
    case "schema list":
      return render(await commands.listSchemas(request, ctx), (r) =>
        r.length ? r.map(extensionText).join("\n") : `${request.tenant} has no schema extensions`,
      );
    case "schema remove":
      return render(await commands.removeSchema(request, ctx), (r) => `Removed ${r.urn} from ${r.tenant}`);
    case "domains set":
    case "settings set": {
      const result = request.command === "domains set" ? await commands.setDomains(request, ctx) : await commands.setSettings(request, ctx);
      return render(result, (r) => `${r.tenant}:\n${settingsText(r)}`);
    }
    default: {
      const unreachable: never = request;
      throw new CliError(`unhandled command ${JSON.stringify(unreachable)}`);
    }
  }
}

/** `show`'s provisioning part: settings, then each extension. */
export function policyText(view: Awaited<ReturnType<typeof commands.showPolicy>>): string {
  const extensions = view.extensions.length ? view.extensions.map(extensionText).join("\n") : "none";
  return `${settingsText(view.provisioning)}\nSchema extensions: ${extensions}\n`;
}
