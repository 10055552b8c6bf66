import type { Context } from "hono";
import { SCIM_CONTENT_TYPE } from "./respond.ts";

/** Streams JSON text chunks, so a body with 100,000 members is never held in memory at once. */
export function streamJson(c: Context, chunks: AsyncIterable<string>, status = 200, headers: Record<string, string> = {}) {
  const encoder = new TextEncoder();
  const iterator = chunks[Symbol.asyncIterator]();
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      const { value, done } = await iterator.next();
      if (done) controller.close();
      else controller.enqueue(encoder.encode(value));
    },
    async cancel() {
      await iterator.return?.();
    },
  });
  return c.body(body, status as 200, { "Content-Type": SCIM_CONTENT_TYPE, ...headers });
}
