import { describe, expect, it } from "vitest";
import { checkWebhookUrl } from "../../src/webhooks/url-policy.ts";

const strict = { allowLocalHttp: false };
const local = { allowLocalHttp: true };

describe("webhook URL policy (SSRF)", () => {
  it("accepts https URLs of public hosts, normalised", () => {
    for (const url of [
      "https://hooks.example.com/scim?x=1",
      "https://8.8.8.8/h",
      "https://[2606:4700::1111]/h",
      "https://172.32.0.1/",
      "https://[::ffff:8.8.8.8]/",
      "https://[2001:4860:4860::8888]/",
      "https://hooks.example.com./",
    ]) {
      expect(checkWebhookUrl(url, strict)).toMatchObject({ ok: true });
    }
    expect(checkWebhookUrl("https://Hooks.Example.COM:443/a", strict)).toEqual({ ok: true, url: "https://hooks.example.com/a" });
  });

  it("refuses IP literals of loopback, private, link-local, CGNAT and metadata ranges, in every spelling", () => {
    const refused = [
      "https://127.0.0.1/",
      "https://127.1/",
      "https://2130706433/",
      "https://0x7f000001/",
      "https://0177.0.0.1/",
      "https://0/",
      "https://0.0.0.0/",
      "https://10.1.2.3/",
      "https://172.16.0.1/",
      "https://172.31.255.255/",
      "https://192.168.1.1/",
      "https://169.254.169.254/latest/meta-data/",
      "https://100.64.0.1/",
      "https://100.127.255.255/",
      "https://198.18.0.1/",
      "https://224.0.0.1/",
      "https://255.255.255.255/",
      "https://[::1]/",
      "https://[::]/",
      "https://[0:0:0:0:0:0:0:1]/",
      "https://[::ffff:127.0.0.1]/",
      "https://[::ffff:a9fe:a9fe]/",
      "https://[::127.0.0.1]/",
      "https://[64:ff9b::10.0.0.1]/",
      "https://[fe80::1]/",
      "https://[fc00::1]/",
      "https://[fd00:ec2::254]/",
      "https://[ff02::1]/",
      // Prefixes embedding an IPv4 address: 6to4, Teredo, local-use NAT64, IPv4-translated.
      "https://[2002:a00:1::]/",
      "https://[2002:808:808::1]/",
      "https://[2001:0:4136:e378:8000:63bf:3fff:fdd2]/",
      "https://[64:ff9b:1::a00:1]/",
      "https://[::ffff:0:a00:1]/",
      // Documentation (TEST-NET-1..3) and benchmarking.
      "https://192.0.2.1/",
      "https://198.51.100.7/",
      "https://203.0.113.255/",
      "https://198.19.255.255/",
      "https://[2001:db8::1]/",
    ];
    for (const url of refused) expect({ url, verdict: checkWebhookUrl(url, local) }).toMatchObject({ url, verdict: { ok: false } });
  });

  it("refuses local and metadata names, single labels, credentials, and anything but https", () => {
    const refused = [
      "https://localhost/",
      "https://LOCALHOST./",
      "https://localhost../",
      "https://metadata.google.internal../",
      "https://hooks..example.com/",
      "https://.example.com/",
      "https://api.localhost/",
      "https://metadata.google.internal/computeMetadata/v1/",
      "https://metadata/",
      "https://instance-data/",
      "https://printer.local/",
      "https://intranet/",
      "https://user:pass@hooks.example.com/",
      "http://hooks.example.com/",
      "ftp://hooks.example.com/",
      "not a url",
      `https://example.com/${"a".repeat(2100)}`,
    ];
    for (const url of refused) expect({ url, verdict: checkWebhookUrl(url, local) }).toMatchObject({ url, verdict: { ok: false } });
  });

  it("allows http://127.0.0.1 and http://localhost only with the local-development switch", () => {
    for (const url of ["http://127.0.0.1:9000/hook", "http://localhost:9000/hook"]) {
      expect(checkWebhookUrl(url, local)).toMatchObject({ ok: true });
      expect(checkWebhookUrl(url, strict)).toMatchObject({ ok: false });
      expect(checkWebhookUrl(url.replace("http:", "https:"), strict)).toMatchObject({ ok: false });
    }
    expect(checkWebhookUrl("http://10.0.0.1/", local)).toMatchObject({ ok: false });
  });
});
