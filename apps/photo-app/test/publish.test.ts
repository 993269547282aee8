import { FIRST_PARTY_EVENT_TYPES } from '@hookline/contracts';
import { createLogger } from '@hookline/http';
import { createBroker } from '@hookline/runtime';
import { closeConnections, waitFor } from '@hookline/testing';
import request from 'supertest';
import { createApp } from '../src';
import { type Harness, startHarness } from './helpers';

let h: Harness;
beforeAll(async () => {
  h = await startHarness('photo-publish');
});
afterAll(async () => {
  await h.close();
});

describe('GET|POST /like/:id', () => {
  it.each(['get', 'post'] as const)('%s publishes LIKED_PHOTO, persistent, routing key = type', async (method) => {
    const before = h.received.length;
    const res = await request(h.app)[method]('/like/123');
    expect(res.status).toBe(202);
    expect(res.body).toEqual({ id: expect.stringMatching(/^evt_[0-9A-Z]{26}$/), type: 'LIKED_PHOTO', photoId: '123' });
    const events = await h.waitForEvents(before + 1);
    const got = events.find((e) => e.envelope.id === res.body.id);
    expect(got).toMatchObject({
      routingKey: 'LIKED_PHOTO',
      persistent: true,
      messageId: res.body.id,
      contentType: 'application/json',
      envelope: { id: res.body.id, type: 'LIKED_PHOTO', data: { photoId: '123' } },
    });
    expect(Date.parse(got?.envelope.timestamp ?? '')).toBeGreaterThan(Date.now() - 60_000);
    expect(Object.keys(got?.envelope ?? {}).sort()).toEqual(['data', 'id', 'timestamp', 'type']);
  });

  it.each([
    ['too long', 'a'.repeat(129)],
    ['bad characters', 'a%20b'],
    ['a dot', 'a.b'],
  ])('rejects a photo id that is %s with 400', async (_what, id) => {
    const res = await request(h.app).get(`/like/${id}`);
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: 'validation_error', details: [{ field: 'id' }] });
  });

  it('accepts a 128-character photo id', async () => {
    expect((await request(h.app).post(`/like/${'x'.repeat(128)}`)).status).toBe(202);
  });
});

describe('POST /events', () => {
  it('publishes a catalogued type and a custom type alike, with the given data', async () => {
    const before = h.received.length;
    const a = await request(h.app)
      .post('/events')
      .send({
        type: FIRST_PARTY_EVENT_TYPES[1],
        // user_registered has a schema in the catalog: its data must fit it (a misfit is a 422, tested in e2e).
        data: { userId: 'u1', username: 'ada', createdAt: new Date().toISOString() },
      });
    const b = await request(h.app)
      .post('/events')
      .send({ type: 'order.created:v2', data: [1, 'two', null] });
    expect(a.status).toBe(202);
    expect(b.status).toBe(202);
    expect(b.body).toEqual({
      id: expect.stringMatching(/^evt_/),
      type: 'order.created:v2',
      timestamp: expect.any(String),
    });
    const events = await h.waitForEvents(before + 2);
    expect(events.find((e) => e.envelope.id === b.body.id)).toMatchObject({
      routingKey: 'order.created:v2',
      envelope: { type: 'order.created:v2', data: [1, 'two', null], timestamp: b.body.timestamp },
    });
    expect(events.find((e) => e.envelope.id === a.body.id)?.routingKey).toBe('user_registered');
  });

  it('uses a producer-given id as the event id', async () => {
    const res = await request(h.app).post('/events').send({ type: 'thing', data: null, id: 'order-42.created' });
    expect(res.status).toBe(202);
    expect(res.body.id).toBe('order-42.created');
    await waitFor(() => h.received.find((e) => e.envelope.id === 'order-42.created'));
  });

  it.each([
    ['a missing type', { data: 1 }, 'type'],
    ['missing data', { type: 'x' }, 'data'],
    ['a numeric type', { type: 5, data: 1 }, 'type'],
    ['an empty type', { type: '', data: 1 }, 'type'],
    ['a type with a space', { type: 'a b', data: 1 }, 'type'],
    ['a wildcard type', { type: 'a.*', data: 1 }, 'type'],
    ['a type of 129 characters', { type: 'a'.repeat(129), data: 1 }, 'type'],
    ['a bad id', { type: 'x', data: 1, id: 'has space' }, 'id'],
  ])('rejects %s with 400 naming the field', async (_what, body, field) => {
    const res = await request(h.app).post('/events').send(body);
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('validation_error');
    expect(res.body.error.details).toEqual(expect.arrayContaining([expect.objectContaining({ field })]));
  });

  it('answers 400 invalid_json to a body that is not JSON, and 415 to a non-JSON content type', async () => {
    const bad = await request(h.app).post('/events').set('content-type', 'application/json').send('{"type": nope');
    expect(bad.status).toBe(400);
    expect(bad.body).toEqual({ error: { code: 'invalid_json', message: expect.any(String) } });
    const text = await request(h.app).post('/events').set('content-type', 'text/plain').send('hello');
    expect(text.status).toBe(415);
    expect(text.body.error.code).toBe('unsupported_media_type');
  });

  it('answers 413 to a body over 256 KB, and accepts one just under', async () => {
    const big = await request(h.app)
      .post('/events')
      .send({ type: 'big', data: 'x'.repeat(256 * 1024) });
    expect(big.status).toBe(413);
    expect(big.body.error.code).toBe('payload_too_large');
    const ok = await request(h.app)
      .post('/events')
      .send({ type: 'big', data: 'x'.repeat(250 * 1024) });
    expect(ok.status).toBe(202);
  });
});

describe('RabbitMQ failures', () => {
  it('survives a forced connection close: the next publish succeeds', async () => {
    const disconnected = new Promise((r) => h.deps.broker.once('disconnected', r));
    expect(await closeConnections(h.connectionName)).toBeGreaterThan(0);
    await disconnected;
    // While reconnecting a publish may get a 503, never a hang; once back, it is confirmed.
    await waitFor(async () => (await request(h.app).post('/like/after-close')).status === 202, 10_000, 'a 202');
    await waitFor(() =>
      h.received.find(
        (e) => e.envelope.type === 'LIKED_PHOTO' && (e.envelope.data as { photoId: string }).photoId === 'after-close',
      ),
    );
  });

  it('answers 503 broker_unavailable within 2 s when RabbitMQ is down', async () => {
    const logger = createLogger('photo-app-test', 'silent');
    const config = { ...h.deps.config, RABBITMQ_URL: 'amqp://127.0.0.1:1' };
    const downBroker = createBroker({ ...config, PORT: 0 }, 'photo-test-down', logger);
    void downBroker.start();
    try {
      const app = createApp({ ...h.deps, config, broker: downBroker });
      for (const call of [
        () => request(app).get('/like/1'),
        () => request(app).post('/events').send({ type: 'x', data: 1 }),
      ]) {
        const started = Date.now();
        const res = await call();
        expect(Date.now() - started).toBeLessThan(2000);
        expect(res.status).toBe(503);
        expect(res.body).toEqual({ error: { code: 'broker_unavailable', message: expect.any(String) } });
      }
    } finally {
      await downBroker.close();
    }
  });
});

describe('GET /openapi.json', () => {
  it('documents every route with its schemas', async () => {
    const res = await request(h.app).get('/openapi.json');
    expect(res.status).toBe(200);
    const paths = res.body.paths as Record<string, Record<string, unknown>>;
    expect(Object.keys(paths['/like/{id}'] ?? {}).sort()).toEqual(['get', 'post']);
    expect(Object.keys(paths['/users'] ?? {}).sort()).toEqual(['get', 'post']);
    expect(Object.keys(paths['/users/messages'] ?? {}).sort()).toEqual(['get', 'post']);
    expect(Object.keys(paths['/events'] ?? {})).toEqual(['post']);
    expect(JSON.stringify(res.body.components.schemas.PhotoPublishEvent)).toContain('^[A-Za-z0-9][A-Za-z0-9_.:-]*$');
  });
});
