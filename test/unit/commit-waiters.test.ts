import { describe, expect, it } from "vitest";
import { commitWaiters } from "../../src/durable/commit-waiters.ts";

// The feed's long poll inside the tenant's writer: woken by a commit, never missing one that lands
// while it parks, and bounded in how many it holds.

const never = async () => false;

describe("commitWaiters", () => {
  it("wakes every parked request on a commit, and times out without one", async () => {
    const commits = commitWaiters();
    const parked = [commits.wait(5000, never), commits.wait(5000, never)];
    await new Promise((resolve) => setTimeout(resolve, 10));
    commits.notify();
    expect(await Promise.all(parked)).toEqual(["committed", "committed"]);
    expect(await commits.wait(20, never)).toBe("timeout");
  });

  it("sees a commit that lands while it checks whether one already did", async () => {
    const commits = commitWaiters();
    const outcome = commits.wait(5000, async () => {
      commits.notify();
      return false;
    });
    expect(await outcome).toBe("committed");
    expect(await commits.wait(5000, async () => true)).toBe("committed");
  });

  it("refuses to park more than its bound, and frees places as requests leave", async () => {
    const commits = commitWaiters(1);
    const first = commits.wait(5000, never);
    expect(await commits.wait(5000, never)).toBe("busy");
    commits.notify();
    await first;
    expect(await commits.wait(10, never)).toBe("timeout");
  });
});
