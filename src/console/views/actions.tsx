import type { Child } from "hono/jsx";
import { CAPTURE_CHOICES } from "../../requests/capture.ts";
import { type Chrome, CsrfField } from "./layout.tsx";
import { captureState, TenantFrame, tenantPath } from "./tenant.tsx";

// Operator actions take two steps: a page saying what will happen, whose form (with the session's
// CSRF token) does it. Nothing changes on a GET.

export function ConfirmPage(props: {
  chrome: Chrome;
  tenant: string;
  title: string;
  action: string;
  fields?: Record<string, string>;
  button: string;
  children?: Child;
}) {
  return (
    <TenantFrame chrome={props.chrome} tenant={props.tenant} tab="overview" title={props.title}>
      <h2>{props.title}</h2>
      {props.children}
      <form method="post" action={tenantPath(props.tenant, `/actions/${props.action}`)}>
        <CsrfField chrome={props.chrome} />
        <input type="hidden" name="confirm" value="yes" />
        {Object.entries(props.fields ?? {}).map(([name, value]) => (
          <input type="hidden" name={name} value={value} />
        ))}
        <p>
          <button type="submit" class="danger">
            {props.button}
          </button>{" "}
          <a href={tenantPath(props.tenant)}>Cancel</a>
        </p>
      </form>
    </TenantFrame>
  );
}

export function DonePage(props: { chrome: Chrome; tenant: string; title: string; children?: Child }) {
  return (
    <TenantFrame chrome={props.chrome} tenant={props.tenant} tab="overview" title={props.title}>
      <h2>{props.title}</h2>
      <div role="status">{props.children}</div>
      <p>
        <a href={tenantPath(props.tenant)}>Back to the tenant</a>
      </p>
    </TenantFrame>
  );
}

/** The CLI's --capture-bodies values (requests/capture.ts), in words; never past 7 days (issue 17). */
const CAPTURE_LABELS: Record<(typeof CAPTURE_CHOICES)[number], string> = {
  "30m": "30 minutes",
  "24h": "24 hours",
  "7d": "7 days (the most allowed)",
  off: "Off",
};

export function CaptureBodiesPage(props: { chrome: Chrome; tenant: string; until: string | null; now: Date }) {
  return (
    <TenantFrame chrome={props.chrome} tenant={props.tenant} tab="overview" title="Body capture">
      <h2>Body capture</h2>
      <p>
        While on, the request and response bodies of this tenant's <strong>failed</strong> requests are kept with the log (passwords, tokens
        and secrets removed). It turns itself off at the end of the period.
      </p>
      <p>Now: {captureState(props.until, props.now)}.</p>
      <form method="post" action={tenantPath(props.tenant, "/actions/capture-bodies")}>
        <CsrfField chrome={props.chrome} />
        <input type="hidden" name="confirm" value="yes" />
        <fieldset>
          <legend>Capture for</legend>
          {CAPTURE_CHOICES.map((value, i) => (
            <div class="choice">
              <input type="radio" id={`for-${value}`} name="for" value={value} checked={i === 0} />
              <label for={`for-${value}`}>{CAPTURE_LABELS[value]}</label>
            </div>
          ))}
        </fieldset>
        <p>
          <button type="submit">Apply</button> <a href={tenantPath(props.tenant)}>Cancel</a>
        </p>
      </form>
    </TenantFrame>
  );
}
