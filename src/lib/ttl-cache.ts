/**
 * A per-isolate cache with a time-to-live, for what the Worker would otherwise read on every request
 * (a token's tenant, a tenant's configuration or revocation state). It keeps the promise, not its
 * value, so concurrent requests of a cold isolate share one read, and forgets a failed read.
 * A ttl of 0 disables it (tests change state between requests).
 */
export function ttlCache<T>(limit = 10_000) {
  const entries = new Map<string, { value: Promise<T>; until: number }>();
  return (key: string, ttlMs: number, load: () => Promise<T>): Promise<T> => {
    const now = Date.now();
    const hit = entries.get(key);
    if (hit && hit.until > now) return hit.value;
    const value = load();
    if (ttlMs > 0) {
      if (entries.size >= limit) entries.clear();
      entries.set(key, { value, until: now + ttlMs });
      value.catch(() => entries.delete(key));
    }
    return value;
  };
}
