import { logInternalError, logStorageFailure } from "../lib/error-report.ts";
import { isStorageFailure } from "../lib/storage-failure.ts";
import { capture, unavailable, type WriteResult } from "./result.ts";

/** A write queued at the tenant's writer: `work` runs it, `settle` answers its caller. */
export interface QueuedWrite {
  work: () => Promise<unknown>;
  settle: (result: WriteResult<unknown>) => void;
  /** The resource it writes over ("User:<id>"), if any: a group holds at most one write of each. */
  resource?: string;
  /** Asked when the write's turn comes: it would reach D1 first with its one write batch, reading nothing before. */
  readsNothing: () => boolean;
  /** The id this write would read first, and how to read several such ids at once so that each then reads nothing. */
  ahead?: { id: () => string | undefined; read: (ids: string[]) => Promise<void> };
}

// A group's batch is one D1 call: its statements count towards D1's queries per invocation (1,000),
// and each write brings at most a few.
const MAX_GROUP = 25;

interface Handed {
  statements: D1PreparedStatement[];
  resume: (results: D1Result[]) => void;
  fail: (error: unknown) => void;
}

/** A write of a group: how it ended, or the batch it handed over and waits on. */
type Run = { write: QueuedWrite; result: Promise<WriteResult<unknown>>; handed?: Handed };

/**
 * Group commit for a tenant's single writer. A D1 call from the writer costs about as much as the
 * write it carries (README: "Where a warm PATCH /Users spends its CPU"), and while one is in flight
 * the tenant's next writes queue. Those that read nothing first (durable/tenant-writer.ts asks
 * each) run together: each write's code runs in turn, as it would alone, until it hands its batch
 * to the `binding` given here, where it waits; then every waiting batch goes to D1 as one batch, in
 * queue order, and each write's code resumes with its own statements' results, one write after the
 * other, so whatever a write does after its batch runs alone, as before.
 *
 * Nothing is assumed about an earlier write of the group having landed: each write plans from what
 * D1 and the writer's memory held before the group (a write adds to that memory only when it
 * resumes), and each update is guarded by the version it started from. A group holds one write per
 * resource, so a guard can only miss after a change made outside the writer (its write then reads
 * and tries again, after the group). When the batch fails for a reason of its SQL (a 409's
 * constraint, a refused member guard), nothing of it landed, D1's batch being atomic: the first
 * run of each write is dropped where it waits, and each runs again alone, in order, and answers for
 * itself. When storage fails, whether the batch landed is unknown, so no write is run again: each
 * answers 503, as a write alone would, and its client retries.
 */
export function groupCommit(d1: D1Database) {
  // Where the batch of the write being collected goes; undefined when batches go to D1 as they come.
  let collect: ((statements: D1PreparedStatement[]) => Promise<D1Result[]>) | undefined;
  // Writes whose reads were made ahead once: one whose user was not found reads alone, not ahead again.
  const readAheadFor = new WeakSet<QueuedWrite>();

  // What drizzle and db/client.ts use of a D1 binding: prepare, and batch, which is a write's
  // commit. Reads go straight through: a write in a group reads nothing (QueuedWrite.readsNothing).
  const binding = {
    prepare: (query: string) => d1.prepare(query),
    batch: (statements: D1PreparedStatement[]) => (collect ? collect(statements) : d1.batch(statements)),
  } as unknown as D1Database;

  const alone = (write: QueuedWrite) => capture(write.work);

  // The questions asked of a write run outside it: one that throws (a bug) must not stop the queue,
  // whose writes would then never be answered. Such a write runs alone, as any write safely can.
  const readsNothing = (write: QueuedWrite) => {
    try {
      return write.readsNothing();
    } catch (error) {
      logInternalError(error);
      return false;
    }
  };
  const aheadId = (write: QueuedWrite) => {
    try {
      return write.ahead?.id();
    } catch (error) {
      logInternalError(error);
      return undefined;
    }
  };

  /** Runs `write` until it hands over its batch or ends. */
  async function collected(write: QueuedWrite): Promise<Run> {
    let handed: Handed | undefined;
    const handedOver = new Promise<void>((handing) => {
      collect = (statements) => {
        collect = undefined;
        handing();
        return new Promise<D1Result[]>((resume, fail) => {
          handed = { statements, resume, fail };
        });
      };
    });
    const result = alone(write);
    // A write that ends before handing over a batch (bad input, a refused precondition) answers as it ended.
    await Promise.race([handedOver, result]);
    collect = undefined;
    return { write, result, handed };
  }

  /**
   * Takes writes from the head of `queue` while the next one reads nothing, asked when its turn
   * comes (the write before it may have changed the answer: a delete forgets its user), and writes
   * over no resource already in the group; and commits them together.
   */
  async function together(queue: QueuedWrite[]): Promise<void> {
    const runs: Run[] = [];
    const resources = new Set<string>();
    while (runs.length < MAX_GROUP && queue.length > 0 && !resources.has(queue[0].resource ?? "") && readsNothing(queue[0])) {
      const write = queue.shift() as QueuedWrite;
      if (write.resource) resources.add(write.resource);
      runs.push(await collected(write));
    }
    const handers = runs.flatMap((run) => run.handed ?? []);
    let outcome: { results: D1Result[] } | { error: unknown };
    try {
      outcome = { results: handers.length > 0 ? await d1.batch(handers.flatMap((handed) => handed.statements)) : [] };
    } catch (error) {
      outcome = { error };
    }
    if ("error" in outcome && handers.length > 1 && isStorageFailure(outcome.error)) logStorageFailure("write_failed", outcome.error);
    let offset = 0;
    for (const { write, result, handed } of runs) {
      if (!handed) write.settle(await result);
      else if ("results" in outcome) {
        handed.resume(outcome.results.slice(offset, offset + handed.statements.length));
        offset += handed.statements.length;
        write.settle(await result);
      } else if (handers.length === 1) {
        // The group's only batch failed on its own account: it meets the failure as it would alone.
        handed.fail(outcome.error);
        write.settle(await result);
      } else if (isStorageFailure(outcome.error)) write.settle({ ok: false, error: unavailable().toData() });
      else write.settle(await alone(write));
    }
  }

  /**
   * Before a group: the reads the writes at the head of the queue would each make (a PATCH of a user
   * the writer no longer remembers, as in Entra's pass 40 minutes after the last), made in one
   * statement, so that those writes read nothing and go together. It reads what each would have read
   * first, since nothing is written meanwhile. Should it fail, each write reads for itself, and meets
   * the failure there if it lasts.
   */
  async function readAhead(queue: QueuedWrite[]): Promise<void> {
    const ids: string[] = [];
    let reader: QueuedWrite["ahead"];
    let run = 0;
    for (const write of queue.slice(0, MAX_GROUP)) {
      const id = readAheadFor.has(write) ? undefined : aheadId(write);
      if (id === undefined && !readsNothing(write)) break;
      run++;
      if (id === undefined) continue;
      readAheadFor.add(write);
      ids.push(id);
      reader ??= write.ahead;
    }
    if (run < 2 || !reader) return;
    await reader.read([...new Set(ids)]).catch(() => undefined);
  }

  const queue: QueuedWrite[] = [];
  let draining = false;

  /** Runs the queue's writes until it is empty: the next write alone, or it and those after it that read nothing, together. */
  async function drain(): Promise<void> {
    while (queue.length > 0) {
      if (queue.length > 1 && !readsNothing(queue[0])) await readAhead(queue);
      if (queue.length > 1 && readsNothing(queue[0])) await together(queue);
      else {
        const write = queue.shift() as QueuedWrite;
        write.settle(await alone(write));
      }
    }
  }

  /** Queues `write`, and runs the queue unless it is running already. */
  function enqueue(write: QueuedWrite): void {
    queue.push(write);
    if (draining) return;
    draining = true;
    drain().finally(() => {
      draining = false;
    });
  }

  return { binding, enqueue };
}
