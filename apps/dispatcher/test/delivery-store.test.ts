import type { DeliveryTask } from '@hookline/contracts';
import { startEmbeddedMongo } from '@hookline/embedded-mongo';
import { connectMongo } from '@hookline/runtime';
import { uniqueMongoUrl } from '@hookline/testing';
import type { Connection } from 'mongoose';
import { DeliveryStore, isDuplicateKeyOnly } from '../src/store/delivery-store';
import { deliveryModels } from '../src/store/models';

// The fan-out publishes a delivery while its record is being written, so the attempt can land first.
describe('DeliveryStore when an attempt is written before the delivery record', () => {
  let db: Connection;
  let models: ReturnType<typeof deliveryModels>;
  let store: DeliveryStore;

  beforeAll(async () => {
    db = await connectMongo(uniqueMongoUrl('store'));
    models = deliveryModels(db, 1);
    await models.Delivery.init();
    store = new DeliveryStore(models);
  });
  afterAll(async () => {
    await db.dropDatabase();
    await db.close();
  });

  const task = (id: string): DeliveryTask => ({
    id,
    eventId: `evt_${id}`,
    subscriptionId: 'sub_1',
    attempt: 1,
    round: 0,
    parked: 0,
    event: { id: `evt_${id}`, type: 'LIKED_PHOTO', timestamp: new Date().toISOString(), data: { photoId: id } },
  });
  const attempt = (t: DeliveryTask, status: 'delivered' | 'pending') => ({
    deliveryId: t.id,
    subscriptionId: t.subscriptionId,
    attempt: 1,
    round: 0,
    at: new Date(),
    durationMs: 3,
    statusCode: status === 'delivered' ? 200 : 500,
    error: status === 'delivered' ? null : 'HTTP 500',
    responseBody: '',
    nextAttemptAt: null,
    status,
    task: t,
  });

  it('the attempt creates the record, and the late creation insert neither fails nor resets it', async () => {
    const t = task('msg_first');
    await store.recordAttempt(attempt(t, 'delivered'));
    await store.recordCreated(t);
    const doc = await models.Delivery.findById(t.id).lean();
    expect(doc).toMatchObject({ status: 'delivered', attempts: 1, eventId: t.eventId, eventType: 'LIKED_PHOTO' });
    expect(doc?.event).toEqual(t.event);
  });

  it('a late failed attempt never turns a delivered record back, even racing its creation', async () => {
    const t = task('msg_second');
    await store.recordAttempt(attempt(t, 'delivered'));
    await store.recordAttempt(attempt(t, 'pending'));
    await store.setStatus(t, 'paused', 'the subscription is disabled');
    expect(await models.Delivery.findById(t.id).lean()).toMatchObject({ status: 'delivered', attempts: 1 });
    expect(await models.Attempt.countDocuments({ deliveryId: t.id })).toBe(2);
  });

  it('a status set before the record exists creates it', async () => {
    const t = task('msg_third');
    await store.setStatus(t, 'failed', 'the subscription was deleted');
    expect(await models.Delivery.findById(t.id).lean()).toMatchObject({
      status: 'failed',
      lastError: 'the subscription was deleted',
      subscriptionId: 'sub_1',
    });
  });
});

describe('DeliveryStore when MongoDB goes away', () => {
  it('a failed write rejects and marks the store unwritable (the fan-out then records before publishing)', async () => {
    const mongo = await startEmbeddedMongo();
    const db = await connectMongo(`${mongo.uri}/down`);
    try {
      const store = new DeliveryStore(deliveryModels(db, 1));
      const t: DeliveryTask = {
        id: 'msg_down',
        eventId: 'evt_down',
        subscriptionId: 'sub_1',
        attempt: 1,
        round: 0,
        parked: 0,
        event: { id: 'evt_down', type: 'LIKED_PHOTO', timestamp: new Date().toISOString(), data: {} },
      };
      await store.recordCreated(t);
      expect(store.writable).toBe(true);
      await mongo.stop();
      // The driver reports this as a bulk error with an empty writeErrors list: not a duplicate.
      await expect(store.recordCreated({ ...t, id: 'msg_down2' })).rejects.toThrow();
      expect(store.writable).toBe(false);
    } finally {
      await db.close().catch(() => {});
      await mongo.stop();
    }
  });

  it('only item-level 11000 errors count as duplicates', () => {
    expect(isDuplicateKeyOnly({ code: 11000 })).toBe(true);
    expect(isDuplicateKeyOnly({ writeErrors: [{ code: 11000 }, { err: { code: 11000 } }] })).toBe(true);
    expect(isDuplicateKeyOnly({ writeErrors: [] })).toBe(false);
    expect(isDuplicateKeyOnly({ writeErrors: [{ code: 11000 }, { code: 121 }] })).toBe(false);
    expect(isDuplicateKeyOnly({ writeErrors: [{ code: 11000 }], writeConcernError: { code: 64 } })).toBe(false);
    expect(isDuplicateKeyOnly(new Error('connection closed'))).toBe(false);
  });
});
