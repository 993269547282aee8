import { connectMongo } from '@hookline/runtime';
import { uniqueMongoUrl } from '@hookline/testing';
import type { Connection } from 'mongoose';
import { deliveryModels, retentionSeconds } from '../src/store/models';
import { applyRetention } from '../src/store/retention';

/** A changed DELIVERY_RETENTION_DAYS: what a restarted dispatcher meets (a new connection, an old index). */
const url = uniqueMongoUrl('retention');
const open: Connection[] = [];
async function connection(): Promise<Connection> {
  const db = await connectMongo(url);
  open.push(db);
  return db;
}
afterAll(async () => {
  await open[0]?.dropDatabase().catch(() => {});
  await Promise.all(open.map((db) => db.close()));
});

const ttlOf = async (db: Connection) =>
  (await db.collection('deliveries').listIndexes().toArray()).find((i) => i.key.createdAt === 1)?.expireAfterSeconds;

test('the TTL index follows DELIVERY_RETENTION_DAYS across restarts', async () => {
  const first = await connection();
  expect(await applyRetention(first, retentionSeconds(30))).toBeUndefined(); // nothing there yet
  await deliveryModels(first, 30).Delivery.init();
  expect(await ttlOf(first)).toBe(30 * 86400);

  // Without the change in place, the index cannot be ensured: the reason the dispatcher did not start.
  const naive = await connection();
  await expect(deliveryModels(naive, 7).Delivery.createIndexes()).rejects.toMatchObject({ code: 85 });

  const restarted = await connection();
  expect(await applyRetention(restarted, retentionSeconds(7))).toBe(30 * 86400);
  await deliveryModels(restarted, 7).Delivery.init();
  expect(await ttlOf(restarted)).toBe(7 * 86400);
  expect(await applyRetention(restarted, retentionSeconds(7))).toBeUndefined(); // unchanged: no collMod

  // Fractions of a day work too (the variable allows them).
  const again = await connection();
  expect(await applyRetention(again, retentionSeconds(0.5))).toBe(7 * 86400);
  await deliveryModels(again, 0.5).Delivery.init();
  expect(await ttlOf(again)).toBe(43200);
});
