// Long polling of the change feed (GET /admin/v1/.../events?wait=): requests parked in the tenant's
// writer until its next committed write. The writer knows when each write finished, so a parked
// request costs D1 nothing while it waits: it is woken, then reads the feed itself.

export type WaitOutcome = "committed" | "timeout" | "busy";

/** Parked requests per tenant; more get "busy" (429) rather than growing the object's memory. */
const MAX_WAITING = 1000;

export function commitWaiters(max = MAX_WAITING) {
  const waiting = new Set<() => void>();
  return {
    /** A write committed: wake everyone parked. */
    notify() {
      for (const wake of waiting) wake();
      waiting.clear();
    },
    /**
     * Parks until the next commit or `ms`. `alreadyCommitted` runs once the request is parked, so a
     * commit that landed between the caller's read and parking is seen by it or wakes the request.
     */
    async wait(ms: number, alreadyCommitted: () => Promise<boolean>): Promise<WaitOutcome> {
      if (waiting.size >= max) return "busy";
      let wake = () => {};
      const woken = new Promise<WaitOutcome>((resolve) => {
        wake = () => resolve("committed");
      });
      waiting.add(wake);
      let timer: ReturnType<typeof setTimeout> | undefined;
      try {
        if (await alreadyCommitted()) return "committed";
        const timedOut = new Promise<WaitOutcome>((resolve) => {
          timer = setTimeout(() => resolve("timeout"), ms);
        });
        return await Promise.race([woken, timedOut]);
      } finally {
        waiting.delete(wake);
        clearTimeout(timer);
      }
    },
  };
}
