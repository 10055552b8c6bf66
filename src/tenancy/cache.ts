/**
 * A per-isolate cache with a time-to-live, for what the Worker reads on every request of a tenant
 * (its token, its configuration). A ttl of 0 disables it (tests change settings between requests).
 */
export function ttlCache<T>(limit = 10_000) {
  const entries = new Map<string, { value: T; until: number }>();
  return async (key: string, ttlMs: number, load: () => Promise<T>): Promise<T> => {
    const hit = entries.get(key);
    if (hit && hit.until > Date.now()) return hit.value;
    const value = await load();
    if (ttlMs > 0) {
      if (entries.size >= limit) entries.clear();
      entries.set(key, { value, until: Date.now() + ttlMs });
    }
    return value;
  };
}
