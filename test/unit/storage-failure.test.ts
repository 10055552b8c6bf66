import { DrizzleQueryError } from "drizzle-orm/errors";
import { describe, expect, it } from "vitest";
import { reportOf } from "../../src/lib/error-report.ts";
import { isStorageFailure } from "../../src/lib/storage-failure.ts";

const withProps = (message: string, props: Record<string, unknown>) => Object.assign(new Error(message), props);

describe("isStorageFailure", () => {
  it.each([
    ["D1: code update", new Error("D1_ERROR: D1 DB reset because its code was updated.")],
    ["D1: start-up", new Error("D1_ERROR: Internal error while starting up D1 DB storage caused object to be reset.")],
    ["D1: connection", new Error("D1_ERROR: Network connection lost.")],
    ["D1: internal reset", new Error("D1_ERROR: Internal error in D1 DB storage caused object to be reset.")],
    ["D1: remote node", new Error("D1_ERROR: Cannot resolve D1 DB due to transient issue on remote node.")],
    ["D1: client disconnected", new Error("D1_ERROR: Can't read from request stream because client disconnected.")],
    ["D1: timeout", new Error("D1_ERROR: D1 DB storage operation exceeded timeout which caused object to be reset.")],
    ["D1: queued too long", new Error("D1_ERROR: D1 DB is overloaded. Requests queued for too long.")],
    ["D1: queue full", new Error("D1_ERROR: D1 DB is overloaded. Too many requests queued.")],
    ["D1: memory", new Error("D1_ERROR: D1 DB's isolate exceeded its memory limit and was reset.")],
    ["D1: CPU", new Error("D1_ERROR: D1 DB exceeded its CPU time limit and was reset.")],
    ["KV: rate", new Error("KV PUT failed: 429 Too Many Requests")],
    ["KV: server", new Error("KV GET failed: 503 Service Unavailable")],
    ["Durable Object: retryable", withProps("Durable Object reset because its code was updated.", { retryable: true })],
    ["Durable Object: overloaded", withProps("Durable Object is overloaded. Too many requests queued.", { overloaded: true })],
    ["D1 inside Drizzle's error", new DrizzleQueryError("select 1", [], new Error("D1_ERROR: Network connection lost."))],
  ])("%s: yes", (_, error) => {
    expect(isStorageFailure(error)).toBe(true);
  });

  it.each([
    ["a constraint", new Error("D1_ERROR: UNIQUE constraint failed: users.tenant_id, users.user_name: SQLITE_CONSTRAINT")],
    ["bad SQL", new Error("D1_ERROR: no such column: nosuch at offset 7: SQLITE_ERROR")],
    ["too many variables", new Error("D1_ERROR: too many SQL variables at offset 420: SQLITE_ERROR")],
    ["a bad KV key", new Error("KV GET failed: 414 UTF-8 encoded length of 600 exceeds key length limit of 512.")],
    ["a TypeError", new TypeError("Cannot read properties of undefined (reading 'value')")],
    ["an error the Durable Object's code threw", withProps("unknown resource type Nope", { remote: true })],
    ["retryable only by name", withProps("x", { retryable: "yes" })],
    ["a bug inside Drizzle's error", new DrizzleQueryError("select 1", [], new Error("D1_ERROR: no such table: x"))],
    ["not an error", "Network connection lost"],
    ["nothing", undefined],
  ])("%s: no", (_, error) => {
    expect(isStorageFailure(error)).toBe(false);
  });
});

describe("reportOf", () => {
  it("keeps a failed query's SQL and D1's reason, never its bound values", () => {
    const error = new DrizzleQueryError("insert into users values (?, ?)", ["t1", "alice@contoso.com"], new Error("D1_ERROR: boom"));
    const report = reportOf(error);
    expect(report.message).toBe("D1_ERROR: boom (in: insert into users values (?, ?))");
    expect(JSON.stringify(report)).not.toContain("alice@contoso.com");
    expect(report.stack).toContain("\n    at ");
  });
});
