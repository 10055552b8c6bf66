import { badParam } from "./errors.ts";

// Numeric query parameters are parsed into safe integers before anything uses them (issue 18):
// a count outside its range is clamped, anything that is not a whole number is a 400.

const DIGITS = /^\d+$/;

/** A count such as limit or wait: absent -> `fallback`; out of [min, max] (however many digits) -> clamped. */
export function clampedInt(value: string | undefined, name: string, min: number, max: number, fallback: number): number {
  if (value === undefined || value === "") return fallback;
  if (!DIGITS.test(value)) throw badParam(`${name} must be a whole number from ${min} to ${max}, got "${value}"`);
  const n = Number(value);
  return Number.isSafeInteger(n) ? Math.min(max, Math.max(min, n)) : max;
}

/** A position in a tenant's feed: a seq, 0 meaning "before the first event". */
export function seqParam(value: string | undefined, name: string): number {
  if (value === undefined || value === "") return 0;
  const n = DIGITS.test(value) ? Number(value) : Number.NaN;
  if (!Number.isSafeInteger(n))
    throw badParam(`${name} must be a seq: a whole number from 0 to ${Number.MAX_SAFE_INTEGER}, got "${value}"`);
  return n;
}
