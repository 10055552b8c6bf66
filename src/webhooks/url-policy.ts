// Which URLs a webhook may target (README: Webhooks, SSRF). Checked when an endpoint is added, so
// a tenant cannot aim deliveries at the operator's own network. WHATWG URL parsing first turns
// every numeric IPv4 spelling (2130706433, 0x7f.1, 127.1) into dotted form and compresses IPv6.

export type UrlVerdict = { ok: true; url: string } | { ok: false; reason: string };

export interface UrlPolicy {
  /** WEBHOOK_ALLOW_LOCAL_HTTP: local development and tests only. */
  allowLocalHttp: boolean;
}

const MAX_URL = 2048;

// [first address, prefix length]: loopback, private, link-local (cloud metadata among it), CGNAT,
// "this network", IETF protocol assignments, documentation (TEST-NET-1..3, as IPv6's 2001:db8::/32
// is refused too), benchmarking, multicast and reserved.
const BLOCKED_V4: readonly [string, number][] = [
  ["0.0.0.0", 8],
  ["10.0.0.0", 8],
  ["100.64.0.0", 10],
  ["127.0.0.0", 8],
  ["169.254.0.0", 16],
  ["172.16.0.0", 12],
  ["192.0.0.0", 24],
  ["192.0.2.0", 24],
  ["192.168.0.0", 16],
  ["198.18.0.0", 15],
  ["198.51.100.0", 24],
  ["203.0.113.0", 24],
  ["224.0.0.0", 3],
];

// Names that reach the host itself or a cloud's metadata service, however DNS is set up.
const BLOCKED_NAMES = new Set(["localhost", "metadata", "metadata.goog", "instance-data", "kubernetes.default"]);
const BLOCKED_SUFFIXES = [".localhost", ".local", ".internal", ".localdomain", ".home.arpa"];

const v4Number = (address: string) => address.split(".").reduce((n, part) => n * 256 + Number(part), 0);

function blockedV4(address: string): boolean {
  const n = v4Number(address);
  return BLOCKED_V4.some(([first, bits]) => Math.floor(n / 2 ** (32 - bits)) === Math.floor(v4Number(first) / 2 ** (32 - bits)));
}

/** The eight 16-bit groups of a compressed IPv6 address, as URL serialises it (no zone, no dotted tail). */
function v6Groups(address: string): number[] {
  const [head, tail] = address.includes("::") ? address.split("::") : [address, undefined];
  const parse = (s: string) => (s === "" ? [] : s.split(":").map((g) => Number.parseInt(g, 16)));
  const left = parse(head);
  if (tail === undefined) return left;
  const right = parse(tail);
  return [...left, ...Array(8 - left.length - right.length).fill(0), ...right];
}

function blockedV6(address: string): boolean {
  const g = v6Groups(address);
  const v4Tail = `${g[6] >> 8}.${g[6] & 255}.${g[7] >> 8}.${g[7] & 255}`;
  const zeros = (n: number) => g.slice(0, n).every((x) => x === 0);
  if (zeros(8) || (zeros(7) && g[7] === 1)) return true; // unspecified, loopback
  if (zeros(5) && g[5] === 0xffff) return blockedV4(v4Tail); // IPv4-mapped
  if (zeros(6)) return true; // IPv4-compatible (deprecated)
  if (g[0] === 0x64 && g[1] === 0xff9b && g.slice(2, 6).every((x) => x === 0)) return blockedV4(v4Tail); // NAT64
  // Prefixes that carry an IPv4 address elsewhere in the address, any of which may be private:
  // refused whole rather than decoded.
  if (zeros(4) && g[4] === 0xffff && g[5] === 0) return true; // IPv4-translated ::ffff:0:0:0/96
  if (g[0] === 0x64 && g[1] === 0xff9b && g[2] === 1) return true; // local-use NAT64 64:ff9b:1::/48
  if (g[0] === 0x2002) return true; // 6to4
  if (g[0] === 0x2001 && g[1] === 0) return true; // Teredo 2001::/32
  return (
    (g[0] & 0xfe00) === 0xfc00 || // unique local (AWS's fd00:ec2::254 metadata among it)
    (g[0] & 0xffc0) === 0xfe80 || // link-local
    (g[0] & 0xffc0) === 0xfec0 || // site-local (deprecated)
    (g[0] & 0xff00) === 0xff00 || // multicast
    (g[0] === 0x2001 && g[1] === 0x0db8) // documentation
  );
}

const IPV4 = /^\d{1,3}(\.\d{1,3}){3}$/;

function hostRefusal(host: string): string | null {
  if (host.startsWith("[")) return blockedV6(host.slice(1, -1)) ? "an IPv6 address that is not public" : null;
  if (IPV4.test(host)) return blockedV4(host) ? "an IPv4 address that is not public" : null;
  // Resolvers ignore a trailing dot (`localhost.` is localhost), and an empty label is no name.
  const name = host.replace(/\.$/, "");
  if (name.split(".").includes("")) return "a name with an empty label";
  if (BLOCKED_NAMES.has(name) || BLOCKED_SUFFIXES.some((s) => name.endsWith(s))) return `a local or metadata host name`;
  // A single label is resolved through search domains: an internal name.
  if (!name.includes(".")) return "a single-label host name";
  return null;
}

const isLocalHost = (host: string) => host === "127.0.0.1" || host === "localhost";

/** The URL, normalised, if deliveries may go to it. */
export function checkWebhookUrl(input: string, policy: UrlPolicy): UrlVerdict {
  if (input.length > MAX_URL) return { ok: false, reason: `the URL is longer than ${MAX_URL} characters` };
  let url: URL;
  try {
    url = new URL(input);
  } catch {
    return { ok: false, reason: "not an absolute URL" };
  }
  if (url.username || url.password) return { ok: false, reason: "credentials in the URL are not allowed" };
  if (url.protocol === "http:" && policy.allowLocalHttp && isLocalHost(url.hostname)) return { ok: true, url: url.href };
  if (url.protocol !== "https:") return { ok: false, reason: "the URL must be https://" };
  const refusal = hostRefusal(url.hostname);
  if (refusal) return { ok: false, reason: `the host is ${refusal}: webhooks go to public hosts only` };
  return { ok: true, url: url.href };
}
