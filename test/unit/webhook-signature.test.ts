import { Webhook } from "standardwebhooks";
import { describe, expect, it } from "vitest";
import { newWebhookSecret, sign, signatureHeader, WEBHOOK_SECRET } from "../../src/webhooks/signature.ts";

// Our Web Crypto signing against the spec's reference implementation, as a receiver verifies.

const headers = (id: string, timestamp: number, signature: string) => ({
  "webhook-id": id,
  "webhook-timestamp": String(timestamp),
  "webhook-signature": signature,
});

describe("webhook signature", () => {
  it("makes secrets of the spec's form, each new", () => {
    const a = newWebhookSecret();
    expect(a).toMatch(WEBHOOK_SECRET);
    expect(atob(a.slice("whsec_".length))).toHaveLength(32);
    expect(newWebhookSecret()).not.toBe(a);
  });

  it("signs exactly as the reference package does, which verifies it", async () => {
    const secret = newWebhookSecret();
    const now = Math.floor(Date.now() / 1000);
    const body = JSON.stringify({ seq: 1, id: "e1", data: { userName: "ä@x" } });
    const ours = await sign(secret, "e1", now, body);
    expect(ours).toBe(new Webhook(secret).sign("e1", new Date(now * 1000), body));
    expect(new Webhook(secret).verify(body, headers("e1", now, ours))).toEqual(JSON.parse(body));
  });

  it("is refused for a tampered body, another id, or another secret", async () => {
    const secret = newWebhookSecret();
    const now = Math.floor(Date.now() / 1000);
    const body = '{"seq":1}';
    const signature = await sign(secret, "e1", now, body);
    expect(() => new Webhook(secret).verify('{"seq":2}', headers("e1", now, signature))).toThrow();
    expect(() => new Webhook(secret).verify(body, headers("e2", now, signature))).toThrow();
    expect(() => new Webhook(newWebhookSecret()).verify(body, headers("e1", now, signature))).toThrow();
  });

  it("carries one signature per live secret, each verifying on its own", async () => {
    const [old, current] = [newWebhookSecret(), newWebhookSecret()];
    const now = Math.floor(Date.now() / 1000);
    const header = await signatureHeader([current, old], "e1", now, "{}");
    expect(header.split(" ")).toHaveLength(2);
    for (const secret of [old, current]) expect(new Webhook(secret).verify("{}", headers("e1", now, header))).toEqual({});
  });
});
