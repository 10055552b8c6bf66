import { type Context, Hono } from "hono";
import { database } from "../db/client.ts";
import { resourceEvents, tenantExists, tenantOverviews, tokenHashOf } from "../db/console.ts";
import { authStateRows } from "../db/oauth.ts";
import { findUser } from "../db/users.ts";
import { lastSeq, readEvents } from "../events/read.ts";
import { requestUrl } from "../http/url.ts";
import { ALL_TENANTS } from "../lib/admin-keys.ts";
import { logInternalError, logStorageFailure } from "../lib/error-report.ts";
import { isStorageFailure } from "../lib/storage-failure.ts";
import { tenantFromHost } from "../middleware/tenant-host.ts";
import { captureWindowMs } from "../requests/capture.ts";
import { failureGroups, hourlyCounts, listRequests, resourceRequests, tenantHealth, tenantsActivity } from "../requests/read.ts";
import { usersAsScim } from "../routes/render.ts";
import { groupStore } from "../routes/groups.ts";
import { userStore } from "../routes/users.ts";
import { loadTenantConfig } from "../tenancy/config.ts";
import { tenantResourceTypes } from "../tenancy/resource-types.ts";
import { accessEnabled } from "./access.ts";
import { recordAction, revokeSecret, rotateSecretToken, setBodyCapture } from "./actions.ts";
import { actionNonce, assertCsrf, assertSameOrigin, csrfToken, sameToken } from "./csrf.ts";
import { ConsoleError, noSuchTenant } from "./errors.ts";
import type { ConsoleEnv } from "./operator.ts";
import { requestQueryOf } from "./request-query.ts";
import { searchResources } from "./search.ts";
import { adminKeyOperator, endSession, signedIn, startSession } from "./session.ts";
import { CaptureBodiesPage, ConfirmPage, DonePage } from "./views/actions.tsx";
import { EventsPage } from "./views/events.tsx";
import { LogPage } from "./views/log.tsx";
import { ResourcesPage } from "./views/resources.tsx";
import { ErrorPage, SignInPage } from "./views/sign-in.tsx";
import { TenantOverviewPage, tenantPath } from "./views/tenant.tsx";
import { TenantsPage } from "./views/tenants.tsx";
import { UserPage } from "./views/user.tsx";

// The operator console (README: Console), at /console on the single-host origin: server-rendered
// pages that work without JavaScript. Handlers parse, make one domain call and render.

const EVENTS_SHOWN = 50;
const REQUESTS_SHOWN = 50;
const HOURS_CHARTED = 7 * 24;
const WEEK_MS = 7 * 24 * 3_600_000;
/** Forms hold a CSRF token, a confirm flag and a few ids: anything bigger is not from our pages. */
const FORM_MAX_BYTES = 8 * 1024;

const typesOf = async (c: Context<ConsoleEnv>, tenant: string) => {
  const config = await loadTenantConfig(database(c.env.DB), tenant);
  return { config, types: tenantResourceTypes(config.extensions) };
};

/** meta.location as the tenant's SCIM clients see it: on its own host. */
const tenantScimBase = (c: Context<ConsoleEnv>) => {
  const url = requestUrl(c);
  return `${url.protocol}//${c.var.tenant}.${c.env.BASE_DOMAIN}${url.port ? `:${url.port}` : ""}/scim/v2`;
};

/**
 * The posted form's fields. Our forms are url-encoded only: other encodings (multipart, whose parser
 * throws on a malformed body) are refused before they are read, as are bodies larger than any form.
 */
const formOf = async (c: Context<ConsoleEnv>) => {
  const type = c.req.header("Content-Type")?.split(";")[0]?.trim().toLowerCase();
  if (type !== "application/x-www-form-urlencoded") throw new ConsoleError(415, "forms must be sent as application/x-www-form-urlencoded");
  if (Number(c.req.header("Content-Length") ?? 0) > FORM_MAX_BYTES) throw new ConsoleError(413, "this form is too large");
  const text = await c.req.text();
  if (new TextEncoder().encode(text).byteLength > FORM_MAX_BYTES) throw new ConsoleError(413, "this form is too large");
  const body = new URLSearchParams(text);
  return (name: string) => body.get(name) ?? "";
};

/** Every action's second step: without the confirm step's field, nothing happens. */
async function confirmed(c: Context<ConsoleEnv>) {
  const field = await formOf(c);
  if (field("confirm") !== "yes") throw new ConsoleError(400, "this action must be confirmed on its own page first");
  return field;
}

function signedInPages() {
  const pages = new Hono<ConsoleEnv>();
  pages.use("*", signedIn, async (c, next) => {
    const operator = c.var.operator;
    c.set("chrome", {
      operator: operator.name,
      csrf: await csrfToken(c.env.ACCESS_TOKEN_SECRET, operator.sessionId),
      viaAccess: operator.via === "access",
    });
    if (c.req.method === "POST") await assertCsrf(c, c.env.ACCESS_TOKEN_SECRET, operator.sessionId, (await formOf(c))("csrf"));
    await next();
  });
  // A tenant-scoped key sees its tenant only: others do not exist for it, as in the admin API.
  pages.use("/tenants/:tenant/*", async (c, next) => {
    const tenant = c.req.param("tenant") ?? "";
    const scope = c.var.operator.scope;
    if (scope !== ALL_TENANTS && scope !== tenant) throw noSuchTenant(tenant);
    // One round trip more per tenant page, so that a page of a tenant that does not exist is a 404, not an empty 200.
    if (!(await tenantExists(database(c.env.DB), tenant))) throw noSuchTenant(tenant);
    c.set("tenant", tenant);
    await next();
  });

  pages.post("/sign-out", (c) => {
    endSession(c);
    return c.redirect("/console/sign-in", 303);
  });

  pages.get("/tenants", async (c) => {
    const db = database(c.env.DB);
    const scope = c.var.operator.scope;
    const [tenants, activity] = await Promise.all([tenantOverviews(db, scope), tenantsActivity(db, scope, new Date())]);
    return c.html(<TenantsPage chrome={c.var.chrome} tenants={tenants} activity={activity} />);
  });

  pages.get("/tenants/:tenant", async (c) => {
    const db = database(c.env.DB);
    const [overview] = await tenantOverviews(db, c.var.operator.scope, c.var.tenant);
    if (!overview) throw noSuchTenant(c.var.tenant);
    const now = new Date();
    const [config, auth, health, hours, failures] = await Promise.all([
      loadTenantConfig(db, c.var.tenant),
      authStateRows(db, c.var.tenant),
      tenantHealth(db, c.var.tenant, now),
      hourlyCounts(db, c.var.tenant, now, HOURS_CHARTED),
      failureGroups(db, c.var.tenant, new Date(now.getTime() - WEEK_MS)),
    ]);
    return c.html(
      <TenantOverviewPage
        chrome={c.var.chrome}
        tenant={overview}
        config={config}
        auth={auth}
        log={{ health, hours, failures }}
        now={now}
      />,
    );
  });

  pages.get("/tenants/:tenant/log", async (c) => {
    const query = requestQueryOf((name) => c.req.query(name));
    const page = await listRequests(database(c.env.DB), c.var.tenant, query);
    return c.html(<LogPage chrome={c.var.chrome} tenant={c.var.tenant} query={query} page={page} />);
  });

  for (const [kind, store] of [
    ["users", userStore],
    ["groups", groupStore],
  ] as const) {
    pages.get(`/tenants/:tenant/${kind}`, async (c) => {
      const { types } = await typesOf(c, c.var.tenant);
      const filter = c.req.query("filter")?.trim() ?? "";
      const outcome = await searchResources(database(c.env.DB), c.var.tenant, store, types[store.type.id as "User" | "Group"], filter);
      return c.html(
        <ResourcesPage chrome={c.var.chrome} tenant={c.var.tenant} kind={kind} filter={filter} outcome={outcome} />,
        outcome.ok ? 200 : 400,
      );
    });
  }

  pages.get("/tenants/:tenant/users/:id", async (c) => {
    const db = database(c.env.DB);
    const id = c.req.param("id");
    const [{ types }, user, events, requests] = await Promise.all([
      typesOf(c, c.var.tenant),
      findUser(db, c.var.tenant, id),
      resourceEvents(db, c.var.tenant, "User", id, EVENTS_SHOWN),
      resourceRequests(db, c.var.tenant, id, REQUESTS_SHOWN),
    ]);
    if (!user) throw new ConsoleError(404, `no user ${id} in tenant ${c.var.tenant}`);
    const [body] = usersAsScim([user], types.User, tenantScimBase(c), {});
    return c.html(<UserPage chrome={c.var.chrome} tenant={c.var.tenant} user={body.resource} events={events} requests={requests} />);
  });

  pages.get("/tenants/:tenant/events", async (c) => {
    const db = database(c.env.DB);
    const last = await lastSeq(db, c.var.tenant);
    const events = await readEvents(db, c.var.tenant, { after: Math.max(0, last - EVENTS_SHOWN), limit: EVENTS_SHOWN });
    return c.html(
      <EventsPage
        chrome={c.var.chrome}
        tenant={c.var.tenant}
        events={events.reverse()}
        live={c.req.query("live") === "1"}
        lastSeq={last}
      />,
    );
  });

  // The confirm form carries a nonce bound to the token it replaces: refreshing the result page
  // re-POSTs it, and once the token has changed it no longer matches (409), so one confirm rotates once.
  const rotateNonce = (c: Context<ConsoleEnv>, oldHash: string | null) =>
    actionNonce(c.env.ACCESS_TOKEN_SECRET, c.var.operator.sessionId, `rotate-token:${c.var.tenant}:${oldHash ?? "none"}`);
  pages.get("/tenants/:tenant/actions/rotate-token", async (c) =>
    c.html(
      <ConfirmPage
        chrome={c.var.chrome}
        tenant={c.var.tenant}
        title="Rotate the Secret Token"
        action="rotate-token"
        fields={{ nonce: await rotateNonce(c, (await tokenHashOf(database(c.env.DB), c.var.tenant)) ?? null) }}
        button="Rotate the token"
      >
        <p>
          A new Secret Token is issued and shown once. The current token stops working: Entra fails with 401 until its admin pastes the new
          token into the app's provisioning settings.
        </p>
      </ConfirmPage>,
    ),
  );
  pages.post("/tenants/:tenant/actions/rotate-token", async (c) => {
    const field = await confirmed(c);
    const token = await rotateSecretToken(c.env, c.var.tenant, new Date(), async (old) =>
      sameToken(await rotateNonce(c, old), field("nonce")),
    );
    recordAction(c.var.operator, c.var.tenant, "rotate_token");
    c.header("Cache-Control", "no-store");
    return c.html(
      <DonePage chrome={c.var.chrome} tenant={c.var.tenant} title="New Secret Token">
        <p>Copy it now: it is not stored and will not be shown again.</p>
        <p>
          <code class="secret" data-secret-token>
            {token}
          </code>
        </p>
        <p>
          Workers that cached the old token may accept it for up to {c.env.TOKEN_CACHE_SECONDS} s (about a minute more deployed: KV
          propagation).
        </p>
      </DonePage>,
    );
  });

  pages.get("/tenants/:tenant/actions/revoke-secret", (c) => {
    const client = c.req.query("client") ?? "";
    const secret = c.req.query("secret") ?? "";
    return c.html(
      <ConfirmPage
        chrome={c.var.chrome}
        tenant={c.var.tenant}
        title="Revoke an OAuth client secret"
        action="revoke-secret"
        fields={{ client, secret }}
        button="Revoke the secret"
      >
        <p>
          Secret <span class="mono">{secret}</span> of client <span class="mono">{client}</span> stops working, and so do the access tokens
          already issued with it: the tenant's auth state refuses them within {c.env.TOKEN_CACHE_SECONDS} s.
        </p>
      </ConfirmPage>,
    );
  });
  pages.post("/tenants/:tenant/actions/revoke-secret", async (c) => {
    const field = await confirmed(c);
    await revokeSecret(c.env, c.var.tenant, field("client"), field("secret"), new Date());
    recordAction(c.var.operator, c.var.tenant, "revoke_client_secret", { clientId: field("client"), secretId: field("secret") });
    return c.html(
      <DonePage chrome={c.var.chrome} tenant={c.var.tenant} title="Secret revoked">
        <p>
          Secret <span class="mono">{field("secret")}</span> of client <span class="mono">{field("client")}</span> is revoked.
        </p>
      </DonePage>,
    );
  });

  pages.get("/tenants/:tenant/actions/capture-bodies", async (c) => {
    const [overview] = await tenantOverviews(database(c.env.DB), c.var.operator.scope, c.var.tenant);
    return c.html(
      <CaptureBodiesPage chrome={c.var.chrome} tenant={c.var.tenant} until={overview?.captureBodiesUntil ?? null} now={new Date()} />,
    );
  });
  pages.post("/tenants/:tenant/actions/capture-bodies", async (c) => {
    const field = await confirmed(c);
    const ms = captureWindowMs(field("for"));
    if (ms === undefined) throw new ConsoleError(400, "choose how long to capture bodies for: 30m, 24h, 7d or off");
    const now = new Date();
    const until = ms === null ? null : new Date(now.getTime() + ms).toISOString();
    await setBodyCapture(c.env, c.var.tenant, until, now);
    recordAction(c.var.operator, c.var.tenant, "capture_bodies", { until });
    return c.html(
      <DonePage chrome={c.var.chrome} tenant={c.var.tenant} title="Body capture">
        <p>{until === null ? "Body capture is off." : `Failed requests' bodies are captured until ${until}.`}</p>
      </DonePage>,
    );
  });

  return pages;
}

export function consoleApp() {
  const app = new Hono<ConsoleEnv>();
  app.use("*", async (c, next) => {
    // Tenant hosts serve SCIM only (as admin/auth.ts refuses them): the console lives on the single-host origin.
    if (tenantFromHost(requestUrl(c).host, c.env.BASE_DOMAIN).kind !== "apex") return c.text("no such endpoint", 404);
    await next();
    // Pages show tenants' data: never cached, never framed, and no script but our own.
    c.header("Cache-Control", "no-store");
    c.header("X-Frame-Options", "DENY");
    c.header(
      "Content-Security-Policy",
      "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    );
  });

  app.get("/", (c) => c.redirect("/console/tenants", 303));
  app.get("/sign-in", (c) => (accessEnabled(c.env) ? c.redirect("/console/tenants", 303) : c.html(<SignInPage />)));
  app.post("/sign-in", async (c) => {
    assertSameOrigin(c);
    if (accessEnabled(c.env)) throw new ConsoleError(404, "sign-in is Cloudflare Access's here");
    const key = (await formOf(c))("key").trim();
    const operator = await adminKeyOperator(c, key);
    if (!operator) return c.html(<SignInPage error="That is not a valid admin key." />, 401);
    startSession(c, key);
    return c.redirect(operator.scope === ALL_TENANTS ? "/console/tenants" : tenantPath(operator.scope), 303);
  });
  app.route("/", signedInPages());

  app.notFound((c) => c.html(<ErrorPage status={404} message="There is no such page in the console." signIn={false} />, 404));
  app.onError((err, c) => {
    if (err instanceof ConsoleError) {
      c.set("errorType", `console_${err.status}`);
      return c.html(<ErrorPage status={err.status} message={err.message} signIn={err.status === 401} />, err.status);
    }
    if (isStorageFailure(err)) {
      logStorageFailure("storage_failed", err);
      return c.html(<ErrorPage status={503} message="Storage is temporarily unavailable: reload in a moment." signIn={false} />, 503);
    }
    c.set("errorType", "internal");
    logInternalError(err);
    return c.html(<ErrorPage status={500} message="Internal error." signIn={false} />, 500);
  });
  return app;
}
