import { describe, expect, it } from "vitest";
import { recentWrites } from "../../src/domain/recent.ts";

const user = (id: string, version = 1) => ({ id, data: { userName: id }, created: "c", lastModified: "m", version });
const json = (bytes: number) => JSON.stringify({ pad: "x".repeat(bytes - 10) });

describe("the writer's memory of recent writes", () => {
  it("gives back the latest write of each user as written, without its groups", () => {
    const recent = recentWrites();
    recent.remember({ ...user("a"), memberships: [{ groupId: "g", display: "G" }] }, JSON.stringify({ userName: "a" }));
    recent.remember(user("a", 2), JSON.stringify({ userName: "a", nickName: "n" }));
    expect(recent.get("a")).toEqual({ ...user("a", 2), data: { userName: "a", nickName: "n" } });
    recent.forget("a");
    expect(recent.get("a")).toBeUndefined();
  });

  it("forgets the least recently written first once its data passes the byte budget", () => {
    const recent = recentWrites(100);
    recent.remember(user("a"), json(40));
    recent.remember(user("b"), json(40));
    recent.remember(user("a", 2), json(40)); // a is now the most recent
    recent.remember(user("c"), json(40));
    expect(["a", "b", "c"].map((id) => recent.get(id)?.version)).toEqual([2, undefined, 1]);
    recent.remember(user("huge"), json(101));
    expect(recent.get("huge")).toBeUndefined();
    expect(recent.get("c")?.id).toBe("c");
  });
});
