import type { Child } from "hono/jsx";
import { raw } from "hono/html";

// Every console page: landmarks, a skip link, and inline CSS (no CDN: the page works offline).
// Colours keep at least 4.5:1 contrast on white; focus is always visible.

const CSS = `
*{box-sizing:border-box}
body{margin:0;font:16px/1.5 system-ui,-apple-system,"Segoe UI",sans-serif;color:#1a1a1a;background:#fff}
a{color:#0b57d0}a:focus-visible,button:focus-visible,input:focus-visible,select:focus-visible,summary:focus-visible{outline:3px solid #b45309;outline-offset:2px}
.skip{position:absolute;left:-999px}.skip:focus{left:8px;top:8px;background:#fff;padding:4px 8px;z-index:1}
header{display:flex;flex-wrap:wrap;gap:8px 16px;align-items:center;padding:8px 16px;background:#1f2937;color:#fff}
header a{color:#fff}header nav ul{display:flex;gap:12px;list-style:none;margin:0;padding:0}
header form{margin-left:auto}
main{padding:16px;max-width:1200px;margin:0 auto}
h1{font-size:1.5rem;margin:.2em 0 .6em}h2{font-size:1.2rem;margin-top:1.6em}
.scroll{overflow-x:auto}
table{border-collapse:collapse;width:100%;font-size:.9rem}caption{text-align:left;font-weight:600;padding:4px 0}
th,td{text-align:left;padding:6px 8px;border-bottom:1px solid #d1d5db;vertical-align:top}
.mono,pre,code{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:.85rem}
pre{background:#f3f4f6;padding:8px;overflow-x:auto;white-space:pre-wrap;word-break:break-word}
.status.failed,.error{color:#b91c1c;font-weight:600}.status.ok{color:#166534}
.badge{display:inline-block;padding:0 8px;border-radius:10px;border:1px solid currentColor;font-size:.85rem}
.badge.healthy{color:#166534}.badge.at_risk{color:#92400e}.badge.likely_quarantined{color:#b91c1c;font-weight:700}.badge.idle{color:#4b5563}
.tabs{display:flex;flex-wrap:wrap;gap:4px 12px;list-style:none;padding:0;margin:0 0 12px}.tabs a[aria-current]{font-weight:700;color:#1a1a1a}
form.inline{display:flex;flex-wrap:wrap;gap:8px;align-items:end}label{display:block;font-weight:600}
input,select,button{font:inherit;padding:6px 8px;border:1px solid #6b7280;border-radius:4px;min-height:40px}
input[type=text],input[type=password],input[type=search]{width:min(100%,32rem)}
.choice label{display:inline;font-weight:400}.grow{flex:1 1 20rem}.grow input{width:100%}
button{background:#0b57d0;color:#fff;border-color:#0b57d0;cursor:pointer}button.danger{background:#b91c1c;border-color:#b91c1c}
button.link{background:none;color:inherit;border:1px solid #fff}
.notice{padding:8px 12px;border-left:4px solid #0b57d0;background:#eff6ff}.notice.error{border-color:#b91c1c;background:#fef2f2}
.secret{font-size:1rem;user-select:all;background:#fef9c3;padding:8px}
figure.chart{margin:0}figure.chart svg{width:100%;height:180px;border:1px solid #d1d5db}
.chart rect.requests{fill:#60a5fa}.chart rect.failures{fill:#b91c1c}.key.requests::before{background:#60a5fa}.key.failures::before{background:#b91c1c}
.key::before{content:"";display:inline-block;width:10px;height:10px;margin-right:4px}
.chart .axis{font-size:9px;fill:#374151}.chart .base{stroke:#6b7280;stroke-width:1}
dl.facts{display:grid;grid-template-columns:max-content 1fr;gap:4px 16px}dl.facts dt{font-weight:600}dl.facts dd{margin:0}
@media (max-width:640px){main{padding:10px}th,td{padding:4px}header form{margin-left:0}}
`;

/** What every signed-in page shows: who is signed in, and the session's CSRF token for its forms. */
export interface Chrome {
  operator: string;
  csrf: string;
  /** Signed in by Cloudflare Access, which signs out at its own URL. */
  viaAccess: boolean;
}

export function Layout(props: { title: string; chrome?: Chrome; refreshSeconds?: number; children?: Child }) {
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        {/* Not no-referrer: under it Chrome sends "Origin: null" with forms, which the CSRF check refuses. */}
        <meta name="referrer" content="same-origin" />
        {props.refreshSeconds !== undefined && <meta http-equiv="refresh" content={String(props.refreshSeconds)} />}
        <title>{`${props.title} · scim-edge console`}</title>
        <style>{raw(CSS)}</style>
      </head>
      <body>
        <a class="skip" href="#main">
          Skip to content
        </a>
        <header>
          <strong>scim-edge console</strong>
          {props.chrome && (
            <nav aria-label="Console">
              <ul>
                <li>
                  <a href="/console/tenants">Tenants</a>
                </li>
              </ul>
            </nav>
          )}
          {props.chrome && <span>Signed in as {props.chrome.operator}</span>}
          {props.chrome &&
            (props.chrome.viaAccess ? (
              // Access keeps its own session: only its logout ends it.
              <a href="/cdn-cgi/access/logout">Sign out</a>
            ) : (
              <form method="post" action="/console/sign-out">
                <CsrfField chrome={props.chrome} />
                <button type="submit" class="link">
                  Sign out
                </button>
              </form>
            ))}
        </header>
        <main id="main" tabindex={-1}>
          {props.children}
        </main>
      </body>
    </html>
  );
}

export const CsrfField = ({ chrome }: { chrome: Chrome }) => <input type="hidden" name="csrf" value={chrome.csrf} />;
