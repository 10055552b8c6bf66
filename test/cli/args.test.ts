// Argument parsing, SQL literal guards, tenant URLs and the list table: pure functions, no spawns.

import { describe, expect, test } from "vitest";
import { parseCliArgs } from "../../src/cli/args.ts";
import { listText } from "../../src/cli/output.ts";
import { insertTenant, selectTenant, swapTokenHash } from "../../src/cli/sql.ts";
import { checkRemoteBaseDomain, tenantUrl } from "../../src/cli/tenant-url.ts";
import { expectUsageError } from "./run-cli.ts";

const parse = (...argv: string[]) => parseCliArgs(argv, (p) => `/abs/${p}`);
const HASH = "a".repeat(64);

describe("parseCliArgs", () => {
  test.each([
    [
      ["create", "acme"],
      { kind: "run", command: "create", tenant: "acme", json: false, target: { remote: false, persistTo: undefined, config: undefined } },
    ],
    [
      ["rotate", "a-1", "--json", "--persist-to", "state"],
      { kind: "run", command: "rotate", tenant: "a-1", json: true, target: { remote: false, persistTo: "/abs/state", config: undefined } },
    ],
    [
      ["revoke", "x", "--remote", "-c", "w.toml"],
      { kind: "run", command: "revoke", tenant: "x", json: false, target: { remote: true, persistTo: undefined, config: "/abs/w.toml" } },
    ],
    [
      ["list", "--local", "--config=w.toml"],
      { kind: "run", command: "list", json: false, target: { remote: false, persistTo: undefined, config: "/abs/w.toml" } },
    ],
    [["--help"], { kind: "help" }],
    [["help"], { kind: "help" }],
    [["create", "x", "-h"], { kind: "help" }],
  ])("%j", (argv, expected) => {
    expect(parse(...argv)).toEqual(expected);
  });

  test.each([
    [[], /missing command/],
    [["delete", "acme"], /unknown command "delete"/],
    [["create"], /needs a tenant name/],
    [["list", "acme"], /takes no arguments/],
    [["create", "Acme"], /invalid tenant name "Acme"/],
    [["create", "a_b"], /invalid tenant name/],
    [["create", "", "--json"], /invalid tenant name ""/],
    [["create", "a".repeat(64)], /invalid tenant name/],
    [["create", "x", "--persist-to"], /argument missing/],
    [["create", "x", "--force"], /Unknown option '--force'/],
    [["create", "x", "--local", "--remote"], /exclude each other/],
  ])("%j is a usage error", (argv, message) => {
    expectUsageError(() => parse(...argv), message);
  });

  test("a 63-character label is a valid name", () => {
    expect(parse("create", "a".repeat(63))).toMatchObject({ tenant: "a".repeat(63) });
  });
});

describe("SQL literals", () => {
  test("validated values are quoted in place", () => {
    expect(insertTenant("acme", HASH, "2026-11-23T12:00:00.000Z")).toBe(
      `INSERT INTO tenants (id, token_hash, created_at) VALUES ('acme', '${HASH}', '2026-11-23T12:00:00.000Z') ON CONFLICT (id) DO NOTHING RETURNING id`,
    );
    expect(swapTokenHash("acme", null, HASH)).toContain(`SET token_hash = '${HASH}' WHERE id = 'acme' AND token_hash IS NULL`);
  });

  test.each([
    () => selectTenant("x' OR '1'='1"),
    () => selectTenant("ACME"),
    () => insertTenant("acme", "A".repeat(64), "2026-11-23T12:00:00.000Z"),
    () => insertTenant("acme", HASH, "2026-11-23'); DROP TABLE tenants; --"),
    () => swapTokenHash("acme", `${HASH}'`, null),
  ])("refuses anything outside its pattern (%#)", (build) => {
    expect(build).toThrow(/refusing to put/);
  });
});

describe("tenant URLs", () => {
  test("local URLs point at npm run dev; remote ones at BASE_DOMAIN over https", () => {
    expect(tenantUrl("acme", { remote: false }, "ignored.example")).toBe("http://acme.localhost:8787/scim/v2");
    expect(tenantUrl("acme", { remote: true }, "scim.example.com")).toBe("https://acme.scim.example.com/scim/v2");
  });

  test.each(["localhost", "LOCALHOST", "dev.localhost", "localhost."])("--remote refuses %s", (domain) => {
    expect(() => checkRemoteBaseDomain(domain, "test")).toThrow(/only works locally/);
  });

  test.each(["example", "-x.example.com", "scim.example.com/x", "a..b", "scim example.com"])("--remote refuses non-host %s", (domain) => {
    expect(() => checkRemoteBaseDomain(domain, "test")).toThrow(/is not a host name/);
  });

  test("a real domain passes, normalised", () => {
    expect(checkRemoteBaseDomain("SCIM.Example.com.", "test")).toBe("scim.example.com");
  });
});

describe("list table", () => {
  test("aligns columns and says live/none", () => {
    const text = listText([
      { tenant: "acme", createdAt: "2026-11-23T12:00:00.000Z", tokenLive: true, tenantUrl: "http://acme.localhost:8787/scim/v2" },
      { tenant: "b", createdAt: "2026-11-23T12:00:01.000Z", tokenLive: false, tenantUrl: "http://b.localhost:8787/scim/v2" },
    ]);
    expect(text).toBe(
      [
        "TENANT  CREATED                   TOKEN  TENANT URL",
        "acme    2026-11-23T12:00:00.000Z  live   http://acme.localhost:8787/scim/v2",
        "b       2026-11-23T12:00:01.000Z  none   http://b.localhost:8787/scim/v2",
        "",
      ].join("\n"),
    );
    expect(listText([])).toMatch(/^No tenants/);
  });
});
