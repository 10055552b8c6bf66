import { exports } from "cloudflare:workers";

// A browser's exchange with the console, at the HTTP level: a cookie jar of one cookie, forms posted
// with the page's Origin, redirects left to the test.

export interface ConsolePage {
  status: number;
  headers: Headers;
  html: string;
}

/** The CSRF token a page's forms carry. */
export const csrfOf = (html: string) => /name="csrf" value="([^"]+)"/.exec(html)?.[1];

/** The hidden fields of a page's forms, as a browser submits them (csrf, confirm, an action's nonce). */
const hiddenFieldsOf = (html: string) =>
  Object.fromEntries([...html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)"/g)].map((m) => [m[1], m[2]]));

export function consoleClient(host = "localhost") {
  let cookie: string | undefined;
  async function send(
    method: string,
    path: string,
    form?: Record<string, string>,
    headers: Record<string, string> = {},
  ): Promise<ConsolePage> {
    const response = await exports.default.fetch(
      new Request(`http://${host}/console${path}`, {
        method,
        redirect: "manual",
        headers: {
          ...(cookie ? { Cookie: cookie } : {}),
          ...(form ? { "Content-Type": "application/x-www-form-urlencoded", Origin: `http://${host}` } : {}),
          ...headers,
        },
        body: form && new URLSearchParams(form).toString(),
      }),
    );
    const set = response.headers.get("Set-Cookie");
    if (set) cookie = set.split(";")[0];
    return { status: response.status, headers: response.headers, html: await response.text() };
  }
  return {
    get: (path: string, headers?: Record<string, string>) => send("GET", path, undefined, headers),
    post: send.bind(null, "POST"),
    signIn: (key: string) => send("POST", "/sign-in", { key }),
    /** A page's form, submitted with the page's hidden fields (its CSRF token among them). */
    async submit(pagePath: string, action: string, form: Record<string, string> = {}) {
      const page = await send("GET", pagePath);
      return send("POST", action, { csrf: "", confirm: "yes", ...hiddenFieldsOf(page.html), ...form });
    },
    get cookie() {
      return cookie;
    },
  };
}
