import { DrizzleQueryError } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { isMemberGuardRefusal } from "../../src/db/groups.ts";

// The one-call member PATCH falls back to its read path only when its guard refused the batch; every
// other failure goes on to be a 503 (storage) or a 500 (a bug).

const d1 = (message: string) => new Error(`D1_ERROR: ${message}: SQLITE_ERROR`);
const wrapped = (cause: Error) => new DrizzleQueryError("insert into group_members ...", ["scim-edge: group write refused: "], cause);

describe("isMemberGuardRefusal", () => {
  it.each([
    ["local D1's message, naming the marker", d1("bad JSON path: 'scim-edge: group write refused: u1'")],
    ["an older SQLite's wording", d1("JSON path error near 'scim-edge: group write refused: u1'")],
    ["SQLite's JSON-path error without the path", d1("bad JSON path")],
    ["the same, wrapped by drizzle", wrapped(d1("bad JSON path: 'scim-edge: group write refused: u1'"))],
  ])("recognises %s", (_, error) => expect(isMemberGuardRefusal(error)).toBe(true));

  it.each([
    ["a storage failure", d1("Network connection lost.")],
    ["another SQLite error", d1("UNIQUE constraint failed: events.tenant_id, events.seq")],
    [
      "drizzle's wrapper alone, whose text lists the bound marker",
      new DrizzleQueryError("select ...", ["scim-edge: group write refused: "]),
    ],
    ["not an error", "bad JSON path"],
  ])("does not take %s for a refusal", (_, error) => expect(isMemberGuardRefusal(error)).toBe(false));
});
