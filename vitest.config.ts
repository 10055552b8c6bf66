import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";

const migrations = await readD1Migrations("migrations");

export default defineConfig({
  test: {
    // Every request logs a JSON line (middleware/request-log.ts): show output only for failing tests.
    silent: "passed-only",
    projects: [
      {
        plugins: [
          cloudflareTest({
            wrangler: { configPath: "./wrangler.toml" },
            miniflare: {
              // Tests revoke tokens and expect the next request to see it at once.
              bindings: {
                TEST_MIGRATIONS: migrations,
                TOKEN_CACHE_SECONDS: "0",
                // Tests send bursts far above a real tenant's rate; rate-limit tests set a tenant's own.
                TENANT_RATE_LIMIT: "1000000",
                CONFIG_CACHE_SECONDS: "0",
                // A wrangler secret when deployed (README: Deploy); any 32+ characters here.
                ACCESS_TOKEN_SECRET: "test-only-access-token-secret-0123456789abcdef",
                // Local and test only: receivers on http://127.0.0.1 and http://localhost (README: Webhooks).
                WEBHOOK_ALLOW_LOCAL_HTTP: "true",
              },
            },
          }),
        ],
        test: {
          name: "worker",
          include: ["test/unit/**/*.test.ts", "test/integration/**/*.test.ts"],
          setupFiles: ["test/helpers/apply-migrations.ts"],
        },
      },
      { test: { name: "cli", include: ["test/cli/**/*.test.ts"], environment: "node", testTimeout: 120000 } },
      // Headless Debian chromium against the Worker served by Miniflare (README: Console).
      { test: { name: "browser", include: ["test/browser/**/*.test.ts"], environment: "node", testTimeout: 60000, hookTimeout: 180000 } },
    ],
  },
});
