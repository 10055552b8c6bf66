import { describe, expect, it } from "vitest";
import {
  firstMembersOf,
  type GroupMemberRow,
  listJson,
  type MemberRow,
  type MemberSource,
  type ResourceBody,
} from "../../src/scim/resource-json.ts";

// A list's members: one read for the first page of all its groups, then pages only for what that
// read could not finish. The source is a table in memory, read the way db/groups.ts reads D1.

const PAGE = 5000;
const id = (n: number) => `m${String(n).padStart(6, "0")}`;
const member = (groupId: string, n: number): GroupMemberRow => ({ groupId, memberId: id(n), memberType: "User", display: `User ${n}` });

function table(sizes: Record<string, number>) {
  const rows = Object.entries(sizes).flatMap(([groupId, size]) => Array.from({ length: size }, (_, n) => member(groupId, n)));
  const reads: string[] = [];
  const strip = ({ groupId, ...row }: GroupMemberRow): MemberRow => row;
  const source: MemberSource = {
    first: async (groupIds, limit) => {
      reads.push(`first ${groupIds.join(",")}`);
      return rows.filter((r) => groupIds.includes(r.groupId)).slice(0, limit);
    },
    page: async (groupId, after, limit) => {
      reads.push(`page ${groupId} after ${after || "start"}`);
      return rows
        .filter((r) => r.groupId === groupId && r.memberId > after)
        .slice(0, limit)
        .map(strip);
    },
  };
  return { source, reads };
}

const body = (groupId: string): ResourceBody => ({ resource: { id: groupId }, memberFields: ["value", "display"] });

async function render(bodies: ResourceBody[], source: MemberSource) {
  let text = "";
  for await (const chunk of listJson(
    bodies.length,
    { startIndex: 1, count: 100 },
    bodies,
    await firstMembersOf(bodies, source),
    source,
    "",
  )) {
    text += chunk;
  }
  const sizes: Record<string, number | "none"> = {};
  for (const resource of JSON.parse(text).Resources) sizes[resource.id] = resource.members?.length ?? "none";
  return sizes;
}

describe("members of a list of groups", () => {
  it("reads them once for all groups when they fit one page", async () => {
    const { source, reads } = table({ a: 3, b: 0, c: 40 });
    expect(await render([body("c"), body("a"), body("b")], source)).toEqual({ a: 3, b: 0, c: 40 });
    expect(reads).toEqual(["first c,a,b"]);
  });

  it("continues the group the first read stopped in, and reads the later ones from their start", async () => {
    const { source, reads } = table({ a: 3000, b: 2500, c: 10, d: 0 });
    expect(await render([body("d"), body("c"), body("b"), body("a")], source)).toEqual({ a: 3000, b: 2500, c: 10, d: 0 });
    expect(reads).toEqual(["first d,c,b,a", "page d after start", "page c after start", `page b after ${id(1999)}`]);
  });

  it("reads nothing for groups whose members are known or not asked for", async () => {
    const { source, reads } = table({ a: 5 });
    const known: ResourceBody = { ...body("a"), members: [member("a", 0)].map(({ groupId, ...row }) => row) };
    expect(await render([known, { resource: { id: "x" } } as ResourceBody], source)).toEqual({ a: 1, x: "none" });
    expect(reads).toEqual([]);
  });

  it("pages a group larger than one page to its end", async () => {
    const { source, reads } = table({ big: 2 * PAGE + 1 });
    expect(await render([body("big")], source)).toEqual({ big: 2 * PAGE + 1 });
    expect(reads).toEqual(["first big", `page big after ${id(PAGE - 1)}`, `page big after ${id(2 * PAGE - 1)}`]);
  });
});
