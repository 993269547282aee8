import type { Engine } from './storage/engine';
import type { Doc } from './storage/values';

/**
 * Deletes documents whose TTL-indexed date is older than expireAfterSeconds, like mongod's TTL monitor
 * (which also runs periodically, so expiry is "soon after", never exact). Uses the index's date range,
 * so a sweep costs the number of expired documents, not the collection size.
 */
export function sweepExpired(engine: Engine, now = Date.now()): number {
  let removed = 0;
  for (const coll of engine.allCollections()) {
    for (const index of coll.indexes.values()) {
      const ttl = index.spec.expireAfterSeconds;
      if (typeof ttl !== 'number' || index.fields.length !== 1) continue;
      const cutoff = new Date(now - ttl * 1000);
      const expired: Doc[] = [];
      index.scan([], { hi: cutoff, hiInclusive: false, loInclusive: false }, (id) => {
        const doc = coll.docs.get(id);
        if (doc) expired.push(doc);
      });
      for (const doc of expired) coll.remove(doc);
      removed += expired.length;
    }
  }
  return removed;
}
