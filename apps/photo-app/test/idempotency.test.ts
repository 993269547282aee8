import { createLogger } from '@hookline/http';
import { createBroker } from '@hookline/runtime';
import { waitFor } from '@hookline/testing';
import request from 'supertest';
import { createApp } from '../src';
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

  it('forgets a key whose publish failed, so a retry publishes', async () => {
    const logger = createLogger('photo-app-test', 'silent');
    const downBroker = createBroker({ ...h.deps.config, PORT: 0, RABBITMQ_URL: 'amqp://127.0.0.1:1' }, 'down', logger);
    try {
      const down = createApp({ ...h.deps, broker: downBroker });
      const body = { type: 'retried', data: { n: 1 } };
      const failed = await request(down).post('/events').set('Idempotency-Key', 'retry-1').send(body);
      expect(failed.status).toBe(503);
      const ok = await request(h.app).post('/events').set('Idempotency-Key', 'retry-1').send(body);
      expect(ok.status).toBe(202);
      expect(ok.headers['idempotent-replayed']).toBeUndefined();
      await drain();
      expect(eventsOfType('retried')).toHaveLength(1);
    } finally {
      await downBroker.close();
    }
  });
});
