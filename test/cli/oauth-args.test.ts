// Parsing of the OAuth commands and their SQL guards: pure functions, no spawns.

import { describe, expect, test } from "vitest";
import { parseCliArgs } from "../../src/cli/args.ts";
import { addSecret, setAuthSettings, setFederation } from "../../src/cli/oauth-sql.ts";
import { expectUsageError } from "./run-cli.ts";

const parse = (...argv: string[]) => parseCliArgs(argv, (p) => `/abs/${p}`);
const LOCAL = { remote: false, persistTo: undefined, config: undefined };
const CLIENT = `acme.${"ab".repeat(16)}`;
const TID = "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef";
const common = { kind: "oauth", tenant: "acme", target: LOCAL, json: false };

describe("OAuth commands", () => {
  test.each([
    [["client", "create", "acme"], { ...common, command: "client create", expiresDays: 365 }],
    [
      ["client", "create", "acme", "--expires-days", "1095", "--json"],
      { ...common, json: true, command: "client create", expiresDays: 1095 },
    ],
    [
      ["client", "rotate", "acme", CLIENT, "--expires-days", "30"],
      { ...common, command: "client rotate", clientId: CLIENT, expiresDays: 30 },
    ],
    [["client", "revoke", "acme", CLIENT], { ...common, command: "client revoke", clientId: CLIENT, secretId: undefined }],
    [
      ["client", "revoke", "acme", CLIENT, "--secret-id", "0123456789abcdef"],
      { ...common, command: "client revoke", clientId: CLIENT, secretId: "0123456789abcdef" },
    ],
    [["client", "list", "acme"], { ...common, command: "client list" }],
    [
      [
        "federation",
        "set",
        "acme",
        "--entra-tenant",
        TID.toUpperCase(),
        "--subject",
        "sub-1",
        "--audience",
        "api://a/.default",
        "--audience",
        "api://a",
      ],
      {
        ...common,
        command: "federation set",
        settings: { entraTenantId: TID, subject: "sub-1", audiences: ["api://a/.default", "api://a"], jwksUrl: undefined },
      },
    ],
    [
      [
        "federation",
        "set",
        "acme",
        "--entra-tenant",
        TID,
        "--subject",
        "s",
        "--audience",
        "api://a",
        "--jwks-url",
        "http://127.0.0.1:9000/keys",
      ],
      {
        ...common,
        command: "federation set",
        settings: { entraTenantId: TID, subject: "s", audiences: ["api://a"], jwksUrl: "http://127.0.0.1:9000/keys" },
      },
    ],
    [["federation", "show", "acme"], { ...common, command: "federation show" }],
    [["federation", "remove", "acme"], { ...common, command: "federation remove" }],
    [["show", "acme"], { ...common, command: "show" }],
    [["auth", "set", "acme", "--token-lifetime", "21600"], { ...common, command: "auth set", change: { accessTokenSeconds: 21600 } }],
    [["auth", "set", "acme", "--entra-token", TID], { ...common, command: "auth set", change: { entraTokenTenantId: TID } }],
    [["auth", "set", "acme", "--entra-token", "off"], { ...common, command: "auth set", change: { entraTokenTenantId: null } }],
  ])("%j", (argv, expected) => {
    expect(parse(...argv)).toEqual(expected);
  });

  test.each([
    [["client"], /"client" needs one of: create, rotate, revoke, list/],
    [["client", "delete", "acme"], /\(got "delete"\)/],
    [["client", "create"], /usage: client create <tenant>/],
    [["client", "rotate", "acme"], /usage: client rotate <tenant> <clientId>/],
    [["client", "create", "Acme"], /invalid tenant name "Acme"/],
    [["client", "create", "acme", "--expires-days", "0"], /--expires-days must be a whole number from 1 to 1095/],
    [["client", "create", "acme", "--expires-days", "1096"], /from 1 to 1095/],
    [["client", "create", "acme", "--expires-days", "1.5"], /from 1 to 1095/],
    [["client", "create", "acme", "--secret-id", "0123456789abcdef"], /--secret-id does not apply to "client create"/],
    [["client", "rotate", "acme", "acme.123"], /invalid client id "acme.123"/],
    [["client", "revoke", "acme", CLIENT, "--secret-id", "x'"], /invalid secret id/],
    [["federation", "set", "acme", "--subject", "s", "--audience", "a"], /needs --entra-tenant/],
    [["federation", "set", "acme", "--entra-tenant", "contoso", "--subject", "s", "--audience", "a"], /invalid Entra tenant id/],
    [["federation", "set", "acme", "--entra-tenant", TID, "--audience", "a"], /needs --subject/],
    [["federation", "set", "acme", "--entra-tenant", TID, "--subject", "s"], /needs --audience/],
    [["federation", "set", "acme", "--entra-tenant", TID, "--subject", "s';--", "--audience", "a"], /invalid subject/],
    [["federation", "set", "acme", "--entra-tenant", TID, "--subject", "s", "--audience", "a b"], /invalid audience/],
    [
      ["federation", "set", "acme", "--entra-tenant", TID, "--subject", "s", "--audience", "a", "--jwks-url", "http://keys.example/jwks"],
      /--jwks-url must use https/,
    ],
    [["federation", "show", "acme", "--subject", "s"], /--subject does not apply to "federation show"/],
    [["auth", "set", "acme"], /needs --token-lifetime and\/or --entra-token/],
    [["auth", "set", "acme", "--token-lifetime", "3599"], /from 3600 to 21600/],
    [["auth", "set", "acme", "--entra-token", "on"], /invalid Entra tenant id/],
    [["show"], /usage: show <tenant>/],
    [["create", "acme", "--expires-days", "5"], /--expires-days does not apply to "create"/],
  ])("%j is a usage error", (argv, message) => {
    expectUsageError(() => parse(...argv), message);
  });
});

describe("OAuth SQL literals", () => {
  const secret = {
    secretId: "0123456789abcdef",
    hash: "a".repeat(64),
    createdAt: "2026-11-23T12:00:00.000Z",
    expiresAt: "2027-11-23T12:00:00.000Z",
  };

  test.each([
    () => addSecret("acme", "acme.x' OR 1=1 --", secret),
    () => addSecret("acme", CLIENT, { ...secret, hash: "x" }),
    () => setFederation("acme", "0123456789abcdef", { entraTenantId: TID, subject: "s", audiences: ["a'b"] }, secret.createdAt),
    () => setFederation("acme", "0123456789abcdef", { entraTenantId: "x", subject: "s", audiences: ["a"] }, secret.createdAt),
    () => setAuthSettings("acme", { entraTokenTenantId: "'; DROP TABLE tenants; --" }, secret.createdAt),
    () => setAuthSettings("acme", { accessTokenSeconds: 1.5 }, secret.createdAt),
  ])("refuses anything outside its pattern (%#)", (build) => {
    expect(build).toThrow(/refusing to put/);
  });

  test("auth settings change only the columns named", () => {
    const [statement] = setAuthSettings("acme", { accessTokenSeconds: 7200 }, secret.createdAt);
    expect(statement).toMatch(/DO UPDATE SET access_token_seconds = excluded\.access_token_seconds, updated_at = excluded\.updated_at/);
    expect(statement).not.toMatch(/entra_token_tenant_id = excluded/);
  });
});
