import type { StoredResource } from "../scim/serialize.ts";

/**
 * What the tenant's writer last wrote of each recently written user, so a write that follows
 * (Entra's manager PATCH after the creates, the `active` PATCH after an attribute one) skips its
 * read: a PATCH is then one D1 round trip instead of two. The writer is the only writer of its
 * tenant's users, and every write it makes is guarded by the version it started from
 * (db/users.ts updateUser), so a row changed anywhere else is noticed, forgotten and read again,
 * never overwritten. Kept as the JSON it wrote, so the memory it takes is what it counts: at most
 * `maxBytes` of the object's 128 MB, least recently written forgotten first. An evicted object
 * starts with none, as after Entra's 40 minutes between cycles.
 */
export interface RecentWrites {
  get(id: string): StoredResource | undefined;
  has(id: string): boolean;
  /** `json`: the resource's data as stored. */
  remember(resource: StoredResource, json: string): void;
  forget(id: string): void;
}

interface Entry {
  json: string;
  created: string;
  lastModified: string;
  version: number;
}

export function recentWrites(maxBytes = 8 * 1024 * 1024): RecentWrites {
  // A Map iterates in insertion order: re-inserting on each write keeps the oldest first.
  const entries = new Map<string, Entry>();
  let bytes = 0;
  const forget = (id: string) => {
    const entry = entries.get(id);
    if (!entry) return;
    bytes -= entry.json.length;
    entries.delete(id);
  };
  return {
    get(id) {
      const entry = entries.get(id);
      return (
        entry && { id, data: JSON.parse(entry.json), created: entry.created, lastModified: entry.lastModified, version: entry.version }
      );
    },
    has: (id) => entries.has(id),
    remember(resource, json) {
      forget(resource.id);
      if (json.length > maxBytes) return;
      // Not the user's groups: they change with group writes, which leave the user row alone.
      entries.set(resource.id, { json, created: resource.created, lastModified: resource.lastModified, version: resource.version });
      bytes += json.length;
      for (const id of entries.keys()) {
        if (bytes <= maxBytes) break;
        forget(id);
      }
    },
    forget,
  };
}
