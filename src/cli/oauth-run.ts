// Runs one OAuth command and renders its result: one JSON value with --json, text otherwise.

import type { Context } from "./commands.ts";
import { CliError } from "./errors.ts";
import type { OAuthRequest } from "./oauth-args.ts";
import * as commands from "./oauth-commands.ts";
import * as text from "./oauth-output.ts";
import { json } from "./output.ts";
import { showPolicy } from "./policy-commands.ts";
import { policyText } from "./policy-run.ts";
import { tenantUrl } from "./tenant-url.ts";

export async function runOAuthCommand(request: OAuthRequest, ctx: Context): Promise<string> {
  const render = <T>(result: T, asText: (r: T) => string) => (request.json ? json(result) : asText(result));
  const issued = (r: commands.IssuedClientSecret) => text.issuedClientText(r, tenantUrl(r.tenant, ctx.target, ctx.baseDomain));
  switch (request.command) {
    case "client create":
      return render(await commands.createClient(request, ctx), issued);
    case "client rotate":
      return render(await commands.rotateClient(request, ctx), issued);
    case "client revoke":
      return render(await commands.revokeClient(request, ctx), text.revokedClientText);
    case "client list":
      return render(await commands.listClients(request, ctx), (r) => text.clientListText(request.tenant, r));
    case "federation set":
    case "federation show": {
      const run = request.command === "federation set" ? commands.setFederation(request, ctx) : commands.showFederation(request, ctx);
      return render(await run, text.federationText);
    }
    case "federation remove":
      return render(await commands.removeFederation(request, ctx), text.federationRemovedText);
    case "auth set":
      return render(await commands.setAuth(request, ctx), text.authSettingsText);
    case "show": {
      // Everything about the tenant: authentication (here) and provisioning policy (policy-commands.ts).
      const view = { ...(await commands.showTenant(request, ctx)), ...(await showPolicy(request.tenant, ctx)) };
      return render(view, (v) => `${text.tenantAuthText(v)}${policyText(v)}`);
    }
    default: {
      const unreachable: never = request;
      throw new CliError(`unhandled command ${JSON.stringify(unreachable)}`);
    }
  }
}
