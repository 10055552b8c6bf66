import type { Database } from "../db/client.ts";
import { logStorageFailure } from "../lib/error-report.ts";
import { type LogRow, type WriteLog, writeRows } from "../requests/record.ts";

// The second copy of a successful write's provisioning-log row (README: Provisioning log, "What can
// be lost"). The Worker buffers the row and writes it after the answer; an isolate that dies in that
// window would lose it. So the tenant's writer also appends it to its own SQLite storage in the step
// that applied the write: a local, synchronous write that the output gate makes durable before the
// answer leaves the object, so no D1 call is added before the answer. The object's alarm copies the
// journal to D1 with the Worker's own statement (INSERT OR IGNORE on (tenant_id, id): whichever copy
// lands first stays, and it is nearly always the Worker's, with the exact duration), then deletes it.

/** How late a row whose Worker lost it reaches D1, at most (plus the alarm's own delay). */
export const COPY_AFTER_MS = 30_000;
// Rows per D1 statement, as the Worker's flush.
const COPY_ROWS = 100;

export function requestJournal(storage: DurableObjectStorage, db: Database) {
  const sql = storage.sql;
  let created = false;
  // Whether this instance has armed the alarm for rows not yet copied; an evicted instance's alarm stays armed in storage.
  let armed = false;

  function table() {
    if (created) return;
    sql.exec("CREATE TABLE IF NOT EXISTS request_journal (seq INTEGER PRIMARY KEY, row TEXT NOT NULL)");
    created = true;
  }

  /** The alarm is shared with webhook delivery: it is moved only when not already due sooner. */
  async function armBy(at: number) {
    const pending = await storage.getAlarm();
    if (pending === null || pending > at) await storage.setAlarm(at);
  }

  return {
    /** A successful write's row; `received` is when the writer got the call. Never fails the write: the Worker holds the row too. */
    append(log: WriteLog, received: number, resourceId: string | null) {
      try {
        table();
        const row: LogRow = { ...log.row, resourceId, durationMs: log.elapsedMs + Date.now() - received };
        sql.exec("INSERT INTO request_journal (row) VALUES (?)", JSON.stringify(row));
      } catch (error) {
        logStorageFailure("request_journal_failed", error);
        return;
      }
      if (armed) return;
      armed = true;
      armBy(Date.now() + COPY_AFTER_MS).catch((error) => {
        armed = false;
        logStorageFailure("request_journal_unarmed", error);
      });
    },

    /**
     * Copies the rows journaled so far to D1, 100 per statement, deleting each chunk once D1 has it.
     * Rows journaled meanwhile have higher seqs and wait for the next alarm, which they arm.
     * When D1 fails, what is left is retried after COPY_AFTER_MS.
     */
    async copy() {
      armed = false;
      table();
      const last = sql.exec<{ last: number | null }>("SELECT max(seq) AS last FROM request_journal").one().last;
      if (last === null) return;
      try {
        for (;;) {
          const chunk = sql
            .exec<{ seq: number; row: string }>("SELECT seq, row FROM request_journal WHERE seq <= ? ORDER BY seq LIMIT ?", last, COPY_ROWS)
            .toArray();
          const end = chunk.at(-1);
          if (end === undefined) return;
          await writeRows(
            db,
            chunk.map((entry) => JSON.parse(entry.row) as LogRow),
          );
          sql.exec("DELETE FROM request_journal WHERE seq <= ?", end.seq);
        }
      } catch (error) {
        logStorageFailure("request_journal_copy_failed", error);
        armed = true;
        await armBy(Date.now() + COPY_AFTER_MS);
      }
    },
  };
}
