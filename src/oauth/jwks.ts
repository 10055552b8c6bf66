// Entra's signing keys, fetched with jose's remote JWKS: cached per URL for the isolate's life,
// refreshed after cacheMaxAge, and refetched when a token names a kid the cache lacks (Entra rolls
// keys by publishing a new kid) at most once per cooldown, so a stream of made-up kids cannot turn
// into a stream of fetches.

import { createRemoteJWKSet } from "jose";

const sets = new Map<string, ReturnType<typeof createRemoteJWKSet>>();
const SETS_LIMIT = 1_000;

export function remoteKeys(url: string) {
  let set = sets.get(url);
  if (!set) {
    if (sets.size >= SETS_LIMIT) sets.clear();
    set = createRemoteJWKSet(new URL(url), { cacheMaxAge: 10 * 60_000, cooldownDuration: 30_000, timeoutDuration: 5_000 });
    sets.set(url, set);
  }
  return set;
}
