// `webhook add|list|remove|rotate-secret|redeliver|enable` (README: Webhooks). A secret is printed
// once, by add and rotate-secret. The CLI writes D1 only: delivery of what it changed starts with
// the tenant's next write (once the Worker's config cache has seen it) or the next cron run.

import { newWebhookSecret } from "../../webhooks/signature.ts";
import { type EndpointView, endpointView, MAX_ENDPOINTS, newWebhookId, ROTATION_OVERLAP_MS } from "../../webhooks/endpoint.ts";
import { checkWebhookUrl } from "../../webhooks/url-policy.ts";
import { type Context, prepare } from "../commands.ts";
import { CliError } from "../errors.ts";
import { json } from "../output.ts";
import type { WebhookRequest } from "./args.ts";
import { deleteEndpoint, type EndpointRow, endpointId, insertEndpoint, restartEndpoint, rotateSecret, selectEndpoints } from "./sql.ts";

const PICKUP_NOTE =
  "Delivery follows with the tenant's next write (within CONFIG_CACHE_SECONDS) or the next cron run (hourly); the admin API starts it at once.";

function noSuch(request: { tenant: string; id: string }): never {
  throw new CliError(`no webhook ${request.id} for tenant "${request.tenant}"; see: npm run tenant -- webhook list ${request.tenant}`);
}

async function add(request: Extract<WebhookRequest, { command: "webhook add" }>, ctx: Context) {
  // The Worker's switch for local receivers, read from the environment for the CLI.
  const allowLocalHttp = !ctx.target.remote && process.env.WEBHOOK_ALLOW_LOCAL_HTTP === "true";
  const verdict = checkWebhookUrl(request.url, { allowLocalHttp });
  if (!verdict.ok) throw new CliError(`URL refused: ${verdict.reason}`);
  const endpoint = {
    id: newWebhookId(),
    url: verdict.url,
    types: request.types,
    secret: newWebhookSecret(),
    createdAt: ctx.now().toISOString(),
  };
  await ctx.store.runSecret([insertEndpoint(request.tenant, endpoint, MAX_ENDPOINTS)]);
  const inserted = await ctx.store.query(endpointId(request.tenant, endpoint.id));
  if (inserted.length === 0) {
    throw new CliError(
      `unknown tenant "${request.tenant}", or it has ${MAX_ENDPOINTS} webhooks already; see: npm run tenant -- webhook list ${request.tenant}`,
    );
  }
  ctx.log(PICKUP_NOTE);
  return { id: endpoint.id, url: endpoint.url, secret: endpoint.secret };
}

async function restart(request: { tenant: string; id: string }, ctx: Context, position?: number) {
  const [, [row]] = (await ctx.store.batch(restartEndpoint(request.tenant, request.id, ctx.now().toISOString(), position))) as [
    unknown[],
    EndpointRow[],
  ];
  if (!row) noSuch(request);
  ctx.log(PICKUP_NOTE);
  return endpointView(row, ctx.now());
}

const endpointText = (e: EndpointView) =>
  `${e.id}  ${e.status.padEnd(8)}  at seq ${e.position}  ${e.url}${e.types ? `  (${e.types.join(",")})` : ""}\n`;

export async function runWebhookCommand(request: WebhookRequest, ctx: Context): Promise<string> {
  const render = <T>(result: T, asText: (r: T) => string) => (request.json ? json(result) : asText(result));
  await prepare(ctx);
  switch (request.command) {
    case "webhook add":
      return render(
        await add(request, ctx),
        (r) => `Webhook ${r.id} -> ${r.url}\n\n  Signing secret:  ${r.secret}\n\nIt is shown only now.\n`,
      );
    case "webhook list": {
      const rows = await ctx.store.query<EndpointRow>(selectEndpoints(request.tenant));
      return render(
        rows.map((row) => endpointView(row, ctx.now())),
        (l) => (l.length === 0 ? `No webhooks for "${request.tenant}".\n` : l.map(endpointText).join("")),
      );
    }
    case "webhook remove": {
      const [removed] = await ctx.store.batch(deleteEndpoint(request.tenant, request.id));
      if (removed.length === 0) noSuch(request);
      return render({ id: request.id, removed: true }, (r) => `Webhook ${r.id} removed, with its delivery log.\n`);
    }
    case "webhook rotate-secret": {
      const secret = newWebhookSecret();
      const until = new Date(ctx.now().getTime() + ROTATION_OVERLAP_MS).toISOString();
      await ctx.store.runSecret([rotateSecret(request.tenant, request.id, secret, until)]);
      const [row] = await ctx.store.query(endpointId(request.tenant, request.id, until));
      if (!row) noSuch(request);
      return render(
        { id: request.id, secret, previousSecretUntil: until },
        (r) => `New signing secret of ${r.id}:  ${r.secret}\n\nShown only now. The old one also signs until ${r.previousSecretUntil}.\n`,
      );
    }
    case "webhook redeliver":
      return render(await restart(request, ctx, request.fromSeq - 1), endpointText);
    case "webhook enable":
      return render(await restart(request, ctx), endpointText);
    default: {
      const unreachable: never = request;
      throw new CliError(`unhandled command ${JSON.stringify(unreachable)}`);
    }
  }
}
