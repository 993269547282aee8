import { createLogger } from '@hookline/http';
import { createBroker } from '@hookline/runtime';
import { waitFor } from '@hookline/testing';
import request from 'supertest';
import { createApp } from '../src';
import { fingerprint, idempotencyStore } from '../src/idempotency';
import { photoModels } from '../src/models';
import { type Harness, startHarness } from './helpers';

let h: Harness;
beforeAll(async () => {
  h = await startHarness('photo-idem');
});
afterAll(async () => {
  await h.close();
});

const eventsOfType = (type: string) => h.received.filter((e) => e.envelope.type === type);
/** Publishes a marker and waits for it: every event published before it has arrived too (one queue, FIFO). */
async function drain(): Promise<void> {
  const res = await request(h.app).post('/events').send({ type: 'marker', data: null });
  await waitFor(() => h.received.find((e) => e.envelope.id === res.body.id));
}

describe('POST /events idempotency', () => {
  it('publishes exactly once for 20 concurrent identical requests, all answered alike', async () => {
    const send = () =>
      request(h.app)
        .post('/events')
        .set('Idempotency-Key', 'key-20')
        .send({ type: 'concurrent', data: { n: 1 } });
    const results = await Promise.all(Array.from({ length: 20 }, send));
    expect(results.map((r) => r.status)).toEqual(Array(20).fill(202));
    const ids = new Set(results.map((r) => r.body.id));
    expect(ids.size).toBe(1);
    expect(results.filter((r) => r.headers['idempotent-replayed'] === 'true')).toHaveLength(19);
    await drain();
    expect(eventsOfType('concurrent')).toHaveLength(1);
    expect(eventsOfType('concurrent')[0]?.envelope.id).toBe(results[0]?.body.id);
  });

  it('uses the body id as the key and the event id', async () => {
    const body = { type: 'by-id', data: { a: 1 }, id: 'evt-own-1' };
    const a = await request(h.app).post('/events').send(body);
    const b = await request(h.app).post('/events').send(body);
    expect([a.status, b.status]).toEqual([202, 202]);
    expect(b.body).toEqual(a.body);
    expect(a.body.id).toBe('evt-own-1');
    expect(b.headers['idempotent-replayed']).toBe('true');
    await drain();
    expect(eventsOfType('by-id')).toHaveLength(1);
  });

  it('lets the header win over the body id as the key', async () => {
    const a = await request(h.app)
      .post('/events')
      .set('Idempotency-Key', 'hdr-1')
      .send({ type: 'hdr', data: 1, id: 'x1' });
    const b = await request(h.app)
      .post('/events')
      .set('Idempotency-Key', 'hdr-2')
      .send({ type: 'hdr', data: 1, id: 'x1' });
    expect([a.status, b.status]).toEqual([202, 202]);
    expect(b.headers['idempotent-replayed']).toBeUndefined();
    await drain();
    expect(eventsOfType('hdr')).toHaveLength(2);
  });

  it('answers 422 when a key is reused with a different request', async () => {
    expect(
      (await request(h.app).post('/events').set('Idempotency-Key', 'k-422').send({ type: 't', data: 1 })).status,
    ).toBe(202);
    const res = await request(h.app).post('/events').set('Idempotency-Key', 'k-422').send({ type: 't', data: 2 });
    expect(res.status).toBe(422);
    expect(res.body.error.code).toBe('idempotency_key_reused');
  });

  it('rejects a bad key with 400', async () => {
    const long = await request(h.app)
      .post('/events')
      .set('Idempotency-Key', 'k'.repeat(129))
      .send({ type: 't', data: 1 });
    expect(long.status).toBe(400);
    expect(long.body.error.details[0].field).toBe('idempotency-key');
  });

  it('keeps the event id of a failed attempt: the retry publishes that same event', async () => {
    const logger = createLogger('photo-app-test', 'silent');
    const downBroker = createBroker({ ...h.deps.config, PORT: 0, RABBITMQ_URL: 'amqp://127.0.0.1:1' }, 'down', logger);
    try {
      const down = createApp({ ...h.deps, broker: downBroker });
      const body = { type: 'retried', data: { n: 1 } };
      const failed = await request(down).post('/events').set('Idempotency-Key', 'retry-1').send(body);
      expect(failed.status).toBe(503);
      // Whether or not RabbitMQ took that attempt (a lost confirm looks the same), its id is kept.
      const claim = await h.deps.db.collection('photo_idempotency_keys').findOne({ _id: 'retry-1' as never });
      expect(claim).toMatchObject({ state: 'pending', eventId: expect.stringMatching(/^evt_/) });
      const ok = await request(h.app).post('/events').set('Idempotency-Key', 'retry-1').send(body);
      expect(ok.status).toBe(202);
      expect(ok.body.id).toBe(claim?.eventId);
      expect(ok.headers['idempotent-replayed']).toBeUndefined();
      await drain();
      expect(eventsOfType('retried').map((e) => e.envelope.id)).toEqual([claim?.eventId]);
    } finally {
      await downBroker.close();
    }
  });

  it('resumes a claim left by a crash with its event id instead of replacing it', async () => {
    const body = { type: 'resumed', data: { n: 2 } };
    const print = fingerprint({ type: body.type, data: body.data, id: undefined });
    const crashedAt = new Date(Date.now() - 60_000);
    // What a process killed between claiming and completing leaves behind.
    await h.deps.db.collection('photo_idempotency_keys').insertOne({
      _id: 'crashed-1' as never,
      state: 'pending',
      fingerprint: print,
      eventId: 'evt_01KCRASHED0000000000000000',
      claimedAt: crashedAt,
      createdAt: crashedAt,
    });
    const res = await request(h.app).post('/events').set('Idempotency-Key', 'crashed-1').send(body);
    expect(res.status).toBe(202);
    expect(res.body.id).toBe('evt_01KCRASHED0000000000000000');
    const again = await request(h.app).post('/events').set('Idempotency-Key', 'crashed-1').send(body);
    expect(again.body).toEqual(res.body);
    expect(again.headers['idempotent-replayed']).toBe('true');
    await drain();
    expect(eventsOfType('resumed').map((e) => e.envelope.id)).toEqual(['evt_01KCRASHED0000000000000000']);
  });

  it('lets exactly one of several requests take over a stale claim', async () => {
    const store = idempotencyStore(photoModels(h.deps.db).Idempotency, { waitMs: 200 });
    const old = new Date(Date.now() - 60_000);
    await h.deps.db.collection('photo_idempotency_keys').insertOne({
      _id: 'stale-race' as never,
      state: 'pending',
      fingerprint: 'p',
      eventId: 'evt_race',
      claimedAt: old,
      createdAt: old,
    });
    const claims = await Promise.all(Array.from({ length: 8 }, () => store.claim('stale-race', 'p')));
    expect(claims.filter((c) => c.outcome === 'claimed')).toEqual([{ outcome: 'claimed', eventId: 'evt_race' }]);
    expect(claims.filter((c) => c.outcome === 'in_progress')).toHaveLength(7);
  });
});
