import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../env.ts";

/**
 * One JSON line per request for Workers Logs: who (tenant), what (method, path), how it ended
 * (status, error type) and how long it took. Never the query string, headers or bodies: they carry
 * tokens, secrets and attribute values (a filter names a userName).
 */
export const requestLog = createMiddleware<AppEnv>(async (c, next) => {
  const started = Date.now();
  await next();
  const line: Record<string, unknown> = {
    level: c.res.status >= 500 ? "error" : "info",
    event: "request",
    tenant: c.get("tenant") ?? null,
    method: c.req.method,
    path: c.req.path,
    status: c.res.status,
    durationMs: Date.now() - started,
  };
  const errorType = c.get("errorType");
  if (errorType) line.errorType = errorType;
  console.log(JSON.stringify(line));
});
