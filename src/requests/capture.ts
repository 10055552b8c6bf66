// How long failed requests' bodies are captured: the CLI's --capture-bodies and the console's form
// take the same values, so an operator learns one spelling.

const UNITS: Record<string, number> = { m: 60_000, h: 3_600_000, d: 86_400_000 };

/** Body capture stops by itself after at most this long: bodies are the most sensitive thing the log holds. */
const MAX_CAPTURE_MS = 7 * UNITS.d;

/** The console's choices, each one the CLI accepts too. */
export const CAPTURE_CHOICES = ["30m", "24h", "7d", "off"] as const;

/** "30m", "24h", "7d" (at most 7 days) as milliseconds, "off" as null; undefined for anything else. */
export function captureWindowMs(value: string): number | null | undefined {
  if (value === "off") return null;
  const match = /^([1-9]\d{0,5})([mhd])$/.exec(value);
  const ms = match ? Number(match[1]) * UNITS[match[2]] : Number.NaN;
  return ms <= MAX_CAPTURE_MS ? ms : undefined;
}
