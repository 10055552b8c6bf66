// Operator CLI entry: `npm run tenant -- <create|rotate|revoke|list|show|client|federation|auth|schema|domains|settings|admin-key|events|webhook|log> ...`.
// Runs on Node >= 22 with type stripping (package.json "tenant" script), hence the .ts imports.

import { resolve } from "node:path";
import { runAdminKeyCommand } from "./admin-key/run.ts";
import { HELP, parseCliArgs } from "./args.ts";
import { type Context, createTenant, listTenants, revokeToken, rotateToken } from "./commands.ts";
import { CliError, EXIT_FAILURE } from "./errors.ts";
import { runEventsCommand } from "./events/run.ts";
import { runWebhookCommand } from "./webhook/run.ts";
import { runLogCommand } from "./log/run.ts";
import { runOAuthCommand } from "./oauth-run.ts";
import { runPolicyCommand } from "./policy-run.ts";
import { issuedText, json, listText, revokedText } from "./output.ts";
import { resolveBaseDomain } from "./tenant-url.ts";
import { wranglerStore } from "./wrangler.ts";

async function main(argv: string[]): Promise<string> {
  const request = parseCliArgs(argv, (path) => resolve(process.cwd(), path));
  if (request.kind === "help") return HELP;

  const { target } = request;
  // Before any wrangler call: a remote command with no usable domain fails in a second, not after writes.
  const baseDomain = await resolveBaseDomain(target, process.env);
  const ctx: Context = {
    store: wranglerStore(target),
    target,
    baseDomain,
    log: (line) => process.stderr.write(`${line}\n`),
    now: () => new Date(),
  };
  if (request.kind === "oauth") return runOAuthCommand(request, ctx);
  if (request.kind === "policy") return runPolicyCommand(request, ctx);
  if (request.kind === "admin-key") return runAdminKeyCommand(request, ctx);
  if (request.kind === "webhook") return runWebhookCommand(request, ctx);
  // Printed as read, so --follow shows each event when it arrives.
  if (request.kind === "events") return runEventsCommand(request, ctx, (text) => process.stdout.write(text));
  if (request.kind === "log") return runLogCommand(request, ctx, (text) => process.stdout.write(text));

  switch (request.command) {
    case "create": {
      const result = await createTenant(request.tenant, ctx);
      return request.json ? json(result) : issuedText(result, "created");
    }
    case "rotate": {
      const result = await rotateToken(request.tenant, ctx);
      return request.json ? json(result) : issuedText(result, "rotated");
    }
    case "revoke": {
      const result = await revokeToken(request.tenant, ctx);
      return request.json ? json(result) : revokedText(result);
    }
    case "list": {
      const result = await listTenants(ctx);
      return request.json ? json(result) : listText(result);
    }
    default: {
      const unreachable: never = request;
      throw new CliError(`unhandled command ${JSON.stringify(unreachable)}`);
    }
  }
}

try {
  process.stdout.write(await main(process.argv.slice(2)));
} catch (error) {
  const known = error instanceof CliError;
  process.stderr.write(`error: ${known ? error.message : ((error as Error).stack ?? String(error))}\n`);
  process.exitCode = known ? error.exitCode : EXIT_FAILURE;
}
