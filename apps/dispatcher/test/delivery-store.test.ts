import type { DeliveryTask } from '@hookline/contracts';
import { startEmbeddedMongo } from '@hookline/embedded-mongo';
import { connectMongo } from '@hookline/runtime';
import { uniqueMongoUrl } from '@hookline/testing';
import type { Connection } from 'mongoose';
import { type AttemptRecord, DeliveryStore, isDuplicateKeyOnly } from '../src/store/delivery-store';
import { ATTEMPTS_KEPT, deliveryModels } from '../src/store/models';

const task = (id: string, extra: Partial<DeliveryTask> = {}): DeliveryTask => ({
  id,
  eventId: `evt_${id}`,
  subscriptionId: 'sub_1',
  attempt: 1,
  round: 0,
  parked: 0,
  event: { id: `evt_${id}`, type: 'LIKED_PHOTO', timestamp: new Date().toISOString(), data: { photoId: id } },
  ...extra,
});
const attempt = (t: DeliveryTask, status: 'delivered' | 'pending' | 'failed', code?: number): AttemptRecord => ({
  deliveryId: t.id,
  subscriptionId: t.subscriptionId,
  attempt: t.attempt,
  round: t.round,
  at: new Date(),
  durationMs: 3,
  statusCode: code ?? (status === 'delivered' ? 200 : 500),
  error: status === 'delivered' ? null : 'HTTP 500',
  responseBody: '',
  nextAttemptAt: null,
  status,
  task: t,
});

// One document per delivery, attempts inside; every write lands in any order (unordered batches,
// several instances, duplicates of a redelivered event) and the newest status wins.
describe('DeliveryStore: one document per delivery, written after the attempt', () => {
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

  it('the attempt creates the record with its attempt inside, and a late "queued" write neither fails nor resets it', async () => {
    const t = task('msg_first');
    await store.recordAttempt(attempt(t, 'delivered'));
    await store.recordCreated(t);
    const doc = await models.Delivery.findById(t.id).lean();
    expect(doc).toMatchObject({ status: 'delivered', attempts: 1, eventId: t.eventId, eventType: 'LIKED_PHOTO' });
    expect(doc?.event).toEqual(t.event);
    expect(doc?.attemptLog).toHaveLength(1);
    expect(doc?.attemptLog[0]).toMatchObject({ attempt: 1, round: 0, statusCode: 200 });
  });

  it('a duplicate failed attempt, in the same batch or later, never turns a delivered record back', async () => {
    const t = task('msg_second');
    // Same batch (both added in one tick), failure listed first.
    await Promise.all([store.recordAttempt(attempt(t, 'pending')), store.recordAttempt(attempt(t, 'delivered'))]);
    await store.recordAttempt(attempt(task('msg_second', { attempt: 2 }), 'pending'));
    await store.setStatus(t, 'paused', 'the subscription is disabled');
    const doc = await models.Delivery.findById(t.id).lean();
    expect(doc).toMatchObject({ status: 'delivered', attempts: 3 });
    expect(doc?.attemptLog).toHaveLength(3);
  });

  it('writes of one delivery give the same final state in any order; a new round supersedes the last', async () => {
    // Queued, attempt 1 answered 503 (retry), attempt 2 failed for good: applied in three orders.
    const writes = (id: string) => [
      () => store.recordCreated(task(id)),
      () => store.recordAttempt(attempt(task(id), 'pending', 503)),
      () => store.recordAttempt(attempt(task(id, { attempt: 2 }), 'failed', 500)),
    ];
    for (const [n, order] of [
      [0, 1, 2],
      [2, 1, 0],
      [1, 2, 0],
    ].entries()) {
      const id = `msg_order${n}`;
      const write = writes(id);
      for (const i of order) await write[i]?.();
      expect(await models.Delivery.findById(id).lean()).toMatchObject({
        status: 'failed',
        attempts: 2,
        lastStatusCode: 500,
      });
    }
    // A replay is round 1: its first attempt is newer than round 0's failure.
    await store.recordAttempt(attempt(task('msg_order0', { round: 1 }), 'delivered'));
    expect(await models.Delivery.findById('msg_order0').lean()).toMatchObject({ status: 'delivered', attempts: 3 });
  });

  it('two instances writing a new delivery at once both land (no duplicate-key loser)', async () => {
    const other = new DeliveryStore(models);
    const t = task('msg_race');
    await Promise.all([store.recordAttempt(attempt(t, 'delivered')), other.recordAttempt(attempt(t, 'pending'))]);
    const doc = await models.Delivery.findById(t.id).lean();
    expect(doc).toMatchObject({ status: 'delivered', attempts: 2 });
  });

  it(`keeps the last ${ATTEMPTS_KEPT} attempts in full and counts every one`, async () => {
    for (let a = 1; a <= ATTEMPTS_KEPT + 5; a++)
      await store.recordAttempt(attempt(task('msg_long', { attempt: a }), 'pending'));
    const doc = await models.Delivery.findById('msg_long').lean();
    expect(doc?.attempts).toBe(ATTEMPTS_KEPT + 5);
    expect(doc?.attemptLog).toHaveLength(ATTEMPTS_KEPT);
    expect(doc?.attemptLog[0]?.attempt).toBe(6);
  });

  it('a payload or response that looks like a field path is stored as written, not read as one', async () => {
    const t = task('msg_dollar', {
      event: { id: 'evt_dollar', type: 'LIKED_PHOTO', timestamp: new Date().toISOString(), data: { note: '$status' } },
    });
    await store.recordAttempt({ ...attempt(t, 'pending', 503), responseBody: '$$ROOT' });
    const doc = await models.Delivery.findById(t.id).lean();
    expect(doc?.event).toEqual(t.event);
    expect(doc?.attemptLog[0]?.responseBody).toBe('$$ROOT');
  });

  it('one write per delivery: a batch of N attempts is N operations, not 2N', async () => {
    const spy = jest.spyOn(models.Delivery.collection, 'bulkWrite');
    try {
      await Promise.all(['a', 'b', 'c'].map((k) => store.recordAttempt(attempt(task(`msg_one_${k}`), 'delivered'))));
      const ops = spy.mock.calls.reduce((n, call) => n + (call[0] as unknown[]).length, 0);
      expect(ops).toBe(3);
    } finally {
      spy.mockRestore();
    }
    expect(await models.Delivery.countDocuments({ _id: /^msg_one_/, status: 'delivered', attempts: 1 })).toBe(3);
  });

  it('a first attempt is inserted as the very document the guarded upsert would make, and falls back to it when the record exists', async () => {
    const first = task('msg_shape_a');
    // Parked once: not taken for a first write, so it goes through the guarded upsert.
    const guarded = task('msg_shape_b', { parked: 1 });
    const record = attempt(first, 'delivered');
    await store.recordAttempt(record);
    await store.recordAttempt({
      ...record,
      deliveryId: guarded.id,
      task: { ...guarded, eventId: first.eventId, event: first.event },
    });
    const [a, b] = await Promise.all([first.id, guarded.id].map((id) => models.Delivery.findById(id).lean()));
    const { _id: _a, ...inserted } = a as object as Record<string, unknown>;
    const { _id: _b, ...upserted } = b as object as Record<string, unknown>;
    expect(inserted).toEqual(upserted);
    expect(Object.keys(inserted)).toEqual(Object.keys(upserted));
    // Recorded as pending first (a park or a wide fan-out): the first attempt's insert meets it.
    const queued = task('msg_shape_c');
    await store.recordCreated(queued);
    await store.recordAttempt(attempt(queued, 'delivered'));
    expect(await models.Delivery.findById(queued.id).lean()).toMatchObject({ status: 'delivered', attempts: 1 });
    // Marked as recorded when queued: its first attempt goes straight to the upsert, no insert tried.
    const spy = jest.spyOn(models.Delivery.collection, 'bulkWrite');
    try {
      const marked = task('msg_shape_d', { recorded: true });
      await store.recordCreated(marked);
      await store.recordAttempt(attempt(marked, 'delivered'));
      const ops = spy.mock.calls.flatMap((call) => call[0] as unknown as Array<Record<string, unknown>>);
      expect(ops.map((op) => Object.keys(op)[0])).toEqual(['updateOne', 'updateOne']);
      expect(await models.Delivery.findById(marked.id).lean()).toMatchObject({ status: 'delivered', attempts: 1 });
    } finally {
      spy.mockRestore();
    }
  });

  it('a status set before the record exists creates it', async () => {
    const t = task('msg_third');
    await store.setStatus(t, 'failed', 'the subscription was deleted');
    expect(await models.Delivery.findById(t.id).lean()).toMatchObject({
      status: 'failed',
      lastError: 'the subscription was deleted',
      subscriptionId: 'sub_1',
      attempts: 0,
    });
  });
});

describe('DeliveryStore when MongoDB goes away', () => {
  it('a write keeps retrying (the message is held, not requeued) until the store stops retrying', async () => {
    const mongo = await startEmbeddedMongo();
    const db = await connectMongo(`${mongo.uri}/down`);
    try {
      const store = new DeliveryStore(deliveryModels(db, 1));
      await store.recordCreated(task('msg_down'));
      expect(store.writable).toBe(true);
      await mongo.stop();
      let settled: string | undefined;
      const pending = store.recordCreated(task('msg_down2')).then(
        () => (settled = 'resolved'),
        () => (settled = 'rejected'),
      );
      // The driver reports this as a bulk error with an empty writeErrors list: not a duplicate.
      const deadline = Date.now() + 15_000;
      while (store.writable && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      expect(store.writable).toBe(false);
      expect(settled).toBeUndefined();
      store.stopRetrying();
      await pending;
      expect(settled).toBe('rejected');
    } finally {
      await db.close().catch(() => {});
      await mongo.stop();
    }
  }, 30_000);

  it('only item-level 11000 errors count as duplicates', () => {
    expect(isDuplicateKeyOnly({ code: 11000 })).toBe(true);
    expect(isDuplicateKeyOnly({ writeErrors: [{ code: 11000 }, { err: { code: 11000 } }] })).toBe(true);
    expect(isDuplicateKeyOnly({ writeErrors: [] })).toBe(false);
    expect(isDuplicateKeyOnly({ writeErrors: [{ code: 11000 }, { code: 121 }] })).toBe(false);
    expect(isDuplicateKeyOnly({ writeErrors: [{ code: 11000 }], writeConcernError: { code: 64 } })).toBe(false);
    expect(isDuplicateKeyOnly(new Error('connection closed'))).toBe(false);
  });
});
