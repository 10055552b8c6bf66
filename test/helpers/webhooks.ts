import { Webhook } from "standardwebhooks";
import { expect, vi } from "vitest";
import { adminRequest } from "./admin.ts";

// A webhook receiver as the stubbed outbound fetch (shared/local-runtime.md): it records every POST
// the tenant's writer makes, answers as the test says, and verifies each with the reference package.

export interface Received {
  url: string;
  headers: Record<string, string>;
  body: string;
  event: any;
  /** What the receiver answered: a status, or "error" for a thrown connection error or timeout. */
  answer: number | "error";
}

export type Answer = number | Response | "timeout" | "connection" | Promise<number>;

export function receiver(answer: (r: Omit<Received, "answer">, index: number) => Answer = () => 200) {
  const received: Received[] = [];
  const spy = vi.spyOn(globalThis, "fetch").mockImplementation(async (input, init) => {
    const request = new Request(input, init);
    const body = await request.text();
    const r = { url: request.url, headers: Object.fromEntries(request.headers), body, event: JSON.parse(body) };
    const a = await answer(r, received.length);
    if (a === "timeout" || a === "connection") {
      received.push({ ...r, answer: "error" });
      throw a === "timeout"
        ? new DOMException("The operation was aborted due to timeout", "TimeoutError")
        : new TypeError("Network connection lost.");
    }
    if (a instanceof Response) {
      received.push({ ...r, answer: a.status });
      return a;
    }
    const status = await a;
    received.push({ ...r, answer: status });
    return new Response(status === 204 ? null : `answer ${status}`, { status });
  });
  return {
    received,
    /** The seqs acknowledged with a 2xx, in the order they were. */
    acked: () => received.filter((r) => typeof r.answer === "number" && r.answer < 300).map((r) => r.event.seq as number),
    restore: () => spy.mockRestore(),
  };
}

/**
 * Asserts the reference package accepts the delivery with `secret`, and returns the event it
 * verified. Its clock is set to the delivery's timestamp, so deliveries a test made at a clock of
 * its own verify too (the first webhook test checks timestamps against the real clock).
 */
export function verified(r: Received, secret: string) {
  const headers = {
    "webhook-id": r.headers["webhook-id"],
    "webhook-timestamp": r.headers["webhook-timestamp"],
    "webhook-signature": r.headers["webhook-signature"],
  };
  vi.useFakeTimers({ toFake: ["Date"], now: Number(headers["webhook-timestamp"]) * 1000 });
  let event: unknown;
  try {
    event = new Webhook(secret).verify(r.body, headers);
  } finally {
    vi.useRealTimers();
  }
  expect(headers["webhook-id"]).toBe((event as any).id);
  return event as any;
}

export async function addWebhook(tenant: string, key: string, url: string, types?: string[]) {
  const added = await adminRequest("POST", `/tenants/${tenant}/webhooks`, key, { url, ...(types ? { types } : {}) });
  expect(added.status, JSON.stringify(added.body)).toBe(201);
  return added.body as { id: string; url: string; secret: string };
}
