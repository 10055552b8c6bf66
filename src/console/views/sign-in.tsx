import { Layout } from "./layout.tsx";

export function SignInPage({ error }: { error?: string }) {
  return (
    <Layout title="Sign in">
      <h1>Sign in</h1>
      {error && (
        <p class="notice error" role="alert">
          {error}
        </p>
      )}
      <form method="post" action="/console/sign-in">
        <label for="key">Admin key</label>
        <p id="key-help">
          A key from <code>npm run tenant -- admin-key create</code>. A tenant's key shows only that tenant.
        </p>
        <input id="key" name="key" type="password" autocomplete="off" required aria-describedby="key-help" />
        <p>
          <button type="submit">Sign in</button>
        </p>
      </form>
    </Layout>
  );
}

export function ErrorPage({ status, message, signIn }: { status: number; message: string; signIn: boolean }) {
  return (
    <Layout title={`Error ${status}`}>
      <h1>{status === 404 ? "Not found" : status === 403 ? "Refused" : "Something went wrong"}</h1>
      <p class="notice error" role="alert">
        {message}
      </p>
      <p>{signIn ? <a href="/console/sign-in">Sign in</a> : <a href="/console/tenants">Back to the tenants</a>}</p>
    </Layout>
  );
}
