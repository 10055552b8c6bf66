import { capture, type WriteResult } from "./result.ts";

/** A write queued at the tenant's writer: `work` runs it, `settle` answers its caller. */
export interface QueuedWrite {
  work: () => Promise<unknown>;
  settle: (result: WriteResult<unknown>) => void;
  /** Asked when the write's turn comes: it would reach D1 first with its one write batch, reading nothing before. */
  readsNothing: () => boolean;
  /** The id this write would read first, and how to read several such ids at once so that each then reads nothing. */
  ahead?: { id: () => string | undefined; read: (ids: string[]) => Promise<void> };
}

// A group's batch is one D1 call: its statements count towards D1's queries per invocation (1,000),
// and each write brings at most a few.
const MAX_GROUP = 25;

interface Run {
  write: QueuedWrite;
  result: Promise<WriteResult<unknown>>;
  /** The batch the write handed over, and how to resume it with that batch's outcome. */
  handed?: { statements: D1PreparedStatement[]; resume: (results: D1Result[]) => void; fail: (error: unknown) => void };
}

/**
 * Group commit for a tenant's single writer. A D1 call from the writer costs about as much as the
 * write it carries (README: "Where a warm PATCH /Users spends its CPU"), and while one is in flight
 * the tenant's next writes queue. Those that read nothing first (durable/tenant-writer.ts asks
 * each) run together: each write's code runs in turn, as it would alone, until it hands its batch
 * to the `binding` given here, where it waits; then every waiting batch goes to D1 as one batch, in
 * queue order, and each write's code resumes with its own statements' results, one write after the
 * other, so whatever a write does after its batch (a guarded update that found its row moved on
 * reads the row and tries again) runs alone, as before.
 *
 * Nothing is assumed about an earlier write of the group having landed: each write plans from what
 * D1 and the writer's memory held before the group (its memory is updated only when a write
 * resumes), and each update is guarded by the version it started from. D1's batch is atomic, so
 * when it fails (a 409's constraint, a second writer, storage) nothing of the group landed: the
 * first run of each write is dropped where it waits, and each write runs again alone, in order,
 * and answers for itself.
 */
export function groupCommit(d1: D1Database) {
  // Where the batch of the write being collected goes; undefined when batches go to D1 as they come.
  let collect: ((statements: D1PreparedStatement[]) => Promise<D1Result[]>) | undefined;

  // What drizzle and db/client.ts use of a D1 binding: prepare, and batch, which is a write's
  // commit. Reads go straight through: a write in a group reads nothing (QueuedWrite.readsNothing).
  const binding = {
    prepare: (query: string) => d1.prepare(query),
    batch: (statements: D1PreparedStatement[]) => (collect ? collect(statements) : d1.batch(statements)),
  } as unknown as D1Database;

  const alone = (write: QueuedWrite) => capture(write.work);

  /** Runs `write` until it hands over its batch or ends. */
  async function collected(write: QueuedWrite): Promise<Run> {
    const run: Run = { write, result: Promise.resolve({ ok: true, value: undefined }) };
    const handedOver = new Promise<void>((handed) => {
      collect = (statements) => {
        collect = undefined;
        handed();
        return new Promise<D1Result[]>((resume, fail) => {
          run.handed = { statements, resume, fail };
        });
      };
    });
    run.result = alone(write);
    // A write that ends before handing over a batch (bad input, a refused precondition) answers as it ended.
    await Promise.race([handedOver, run.result]);
    collect = undefined;
    return run;
  }

  /**
   * Takes writes from the head of `queue` while the next one reads nothing, asked when its turn
   * comes (the write before it may have changed the answer: a delete forgets its user), and commits
   * them together.
   */
  async function together(queue: QueuedWrite[]): Promise<void> {
    const runs: Run[] = [];
    while (runs.length < MAX_GROUP && queue.length > 0 && queue[0].readsNothing()) {
      runs.push(await collected(queue.shift() as QueuedWrite));
    }
    const handers = runs.filter((run) => run.handed);
    let outcome: { results: D1Result[] } | { error: unknown };
    try {
      outcome = { results: handers.length > 0 ? await d1.batch(handers.flatMap((run) => run.handed?.statements ?? [])) : [] };
    } catch (error) {
      outcome = { error };
    }
    let offset = 0;
    for (const run of runs) {
      const { handed } = run;
      if (handed && !("results" in outcome) && handers.length > 1) {
        run.write.settle(await alone(run.write));
        continue;
      }
      if (handed && "results" in outcome) {
        handed.resume(outcome.results.slice(offset, offset + handed.statements.length));
        offset += handed.statements.length;
      }
      // The group's only batch failed on its own account, as it would have alone.
      else if (handed && "error" in outcome) handed.fail(outcome.error);
      run.write.settle(await run.result);
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
      const id = write.ahead?.id();
      if (id === undefined && !write.readsNothing()) break;
      run++;
      if (id === undefined) continue;
      ids.push(id);
      reader ??= write.ahead;
    }
    if (run < 2 || !reader) return;
    await reader.read([...new Set(ids)]).catch(() => undefined);
  }

  /** Runs the queue's writes until it is empty: the next write alone, or it and those after it that read nothing, together. */
  async function drain(queue: QueuedWrite[]): Promise<void> {
    while (queue.length > 0) {
      if (queue.length > 1 && !queue[0].readsNothing()) await readAhead(queue);
      if (queue.length > 1 && queue[0].readsNothing()) await together(queue);
      else {
        const write = queue.shift() as QueuedWrite;
        write.settle(await alone(write));
      }
    }
  }

  return { binding, drain };
}
