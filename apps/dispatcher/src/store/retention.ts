import type { Connection } from 'mongoose';

/**
 * Makes the deliveries' TTL index say DELIVERY_RETENTION_DAYS. Creating the index again with another
 * `expireAfterSeconds` is an options conflict (IndexOptionsConflict, and the dispatcher would not start),
 * so an existing TTL index on `createdAt` is changed in place with `collMod` before the model's indexes
 * are ensured. Returns the previous value when it changed.
 */
export async function applyRetention(db: Connection, ttlSeconds: number): Promise<number | undefined> {
  const indexes = await db
    .collection('deliveries')
    .listIndexes()
    .toArray()
    .catch((err: { code?: number }) => {
      if (err.code === 26) return []; // no collection yet: the model creates it with the right TTL
      throw err;
    });
  const ttl = indexes.find((i) => Object.keys(i.key).join() === 'createdAt' && i.expireAfterSeconds !== undefined);
  if (!ttl || ttl.expireAfterSeconds === ttlSeconds) return undefined;
  await db.db?.command({ collMod: 'deliveries', index: { name: ttl.name, expireAfterSeconds: ttlSeconds } });
  return ttl.expireAfterSeconds as number;
}
