import { createLogger } from '@hookline/http';
import { createBroker } from '@hookline/runtime';
import { waitFor } from '@hookline/testing';
import request from 'supertest';
import { createApp } from '../src';
import { photoModels } from '../src/models';
import { startOutboxRelay } from '../src/outbox/outbox';
import { createEventPublisher } from '../src/publisher';
import { type Harness, startHarness } from './helpers';

let h: Harness;
beforeAll(async () => {
  h = await startHarness('photo-users');
});
afterAll(async () => {
  await h.close();
});

const register = (username: unknown) => request(h.app).post('/users').send({ username });

describe('users', () => {
  it('registers a user, publishes user_registered, and lists it', async () => {
    const res = await register('alice');
    expect(res.status).toBe(201);
    expect(res.body).toEqual({
      id: expect.any(String),
      username: 'alice',
      createdAt: expect.any(String),
      eventId: expect.stringMatching(/^evt_/),
      eventStatus: 'published',
    });
    const events = await h.waitForEvents(1);
    expect(events.find((e) => e.envelope.id === res.body.eventId)).toMatchObject({
      routingKey: 'user_registered',
      persistent: true,
      envelope: { type: 'user_registered', data: { userId: res.body.id, username: 'alice' } },
    });
    const list = await request(h.app).get('/users');
    expect(list.status).toBe(200);
    expect(list.body.data).toEqual([{ id: res.body.id, username: 'alice', createdAt: res.body.createdAt }]);
  });

  it('answers 409 to a taken username, also under concurrency', async () => {
    const first = await register('bob');
    expect(first.status).toBe(201);
    expect((await register('bob')).body.error.code).toBe('username_taken');
    const results = await Promise.all(Array.from({ length: 10 }, () => register('carol')));
    expect(results.map((r) => r.status).sort()).toEqual([201, ...Array(9).fill(409)]);
  });

  it.each([
    ['missing', {}],
    ['a number', { username: 5 }],
    ['empty', { username: '' }],
    ['65 characters', { username: 'a'.repeat(65) }],
    ['a space', { username: 'a b' }],
  ])('rejects a username that is %s with 400', async (_what, body) => {
    const res = await request(h.app).post('/users').send(body);
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('validation_error');
    expect(res.body.error.details).toEqual(expect.arrayContaining([expect.objectContaining({ field: 'username' })]));
  });

  it('rejects a non-JSON body and an oversized body', async () => {
    const bad = await request(h.app).post('/users').set('content-type', 'application/json').send('{');
    expect(bad.body.error.code).toBe('invalid_json');
    const big = await request(h.app)
      .post('/users')
      .send({ username: 'x', pad: 'y'.repeat(300 * 1024) });
    expect(big.status).toBe(413);
  });

  it('keeps the user and its pending event when RabbitMQ is down; the relay publishes it under the same id', async () => {
    const logger = createLogger('photo-app-test', 'silent');
    const downBroker = createBroker({ ...h.deps.config, PORT: 0, RABBITMQ_URL: 'amqp://127.0.0.1:1' }, 'down', logger);
    try {
      const down = createApp({ ...h.deps, broker: downBroker });
      const res = await request(down).post('/users').send({ username: 'dora' });
      expect(res.status).toBe(201);
      expect(res.body).toMatchObject({ username: 'dora', eventStatus: 'pending' });
      // Taken for good: the user exists, and its event is on its way.
      expect((await register('dora')).status).toBe(409);
      const stored = await h.deps.db.collection('photo_users').findOne({ username: 'dora' });
      expect(stored?.outbox?.event).toMatchObject({ id: res.body.eventId, type: 'user_registered' });

      // A relay on the reachable broker, as a restarted app would run it.
      const relay = startOutboxRelay({
        stores: [photoModels(h.deps.db).outboxes.users],
        publisher: createEventPublisher(h.deps.broker, h.deps.broker.requireTopology().names),
        logger,
        afterMs: 0,
        intervalMs: 60_000,
      });
      try {
        expect(await relay.runOnce()).toBe(1);
      } finally {
        await relay.stop();
      }
      await waitFor(() => h.received.find((e) => e.envelope.id === res.body.eventId), 5000, 'the relayed event');
      expect(h.received.filter((e) => e.envelope.id === res.body.eventId)).toEqual([
        expect.objectContaining({
          routingKey: 'user_registered',
          envelope: expect.objectContaining({ data: expect.objectContaining({ userId: res.body.id }) }),
        }),
      ]);
      expect((await h.deps.db.collection('photo_users').findOne({ username: 'dora' }))?.outbox).toBeUndefined();
    } finally {
      await downBroker.close();
    }
  });

  it('leaves an event that a request is still publishing to that request (the lease)', async () => {
    const res = await register('erin');
    expect(res.body.eventStatus).toBe('published');
    // A published event is cleared from its document: nothing for a relay to do.
    expect((await h.deps.db.collection('photo_users').findOne({ username: 'erin' }))?.outbox).toBeUndefined();
    const users = photoModels(h.deps.db).outboxes.users;
    await h.deps.db
      .collection('photo_users')
      .updateOne(
        { username: 'erin' },
        { $set: { outbox: { event: { id: 'evt_x', type: 'user_registered', data: {} }, attemptAt: new Date() } } },
      );
    expect(await users.lease(new Date(Date.now() - 5000), new Date())).toBeNull();
    expect(await users.lease(new Date(Date.now() + 1), new Date())).toMatchObject({ event: { id: 'evt_x' } });
    await h.deps.db.collection('photo_users').updateOne({ username: 'erin' }, { $unset: { outbox: 1 } });
  });
});

describe('messages', () => {
  beforeAll(async () => {
    for (const u of ['sam', 'rita']) await register(u);
  });
  const send = (body: object) => request(h.app).post('/users/messages').send(body);

  it('stores a message, publishes user_send_message, and lists it for the recipient', async () => {
    const res = await send({ sender: 'sam', recipient: 'rita', subject: 'hi', message: 'hello rita' });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ sender: 'sam', recipient: 'rita', subject: 'hi', message: 'hello rita' });
    const events = await h.waitForEvents(1);
    expect(events.find((e) => e.envelope.id === res.body.eventId)).toMatchObject({
      routingKey: 'user_send_message',
      envelope: {
        data: { messageId: res.body.id, sender: 'sam', recipient: 'rita', subject: 'hi', message: 'hello rita' },
      },
    });
    const list = await request(h.app).get('/users/messages').query({ recipient: 'rita' });
    expect(list.status).toBe(200);
    expect(list.body.data).toEqual([
      {
        id: res.body.id,
        sender: 'sam',
        recipient: 'rita',
        subject: 'hi',
        message: 'hello rita',
        createdAt: res.body.createdAt,
      },
    ]);
    expect((await request(h.app).get('/users/messages').query({ recipient: 'sam' })).body.data).toEqual([]);
  });

  it('answers 400 unknown_user naming each unknown party', async () => {
    const res = await send({ sender: 'ghost', recipient: 'nobody', subject: '', message: '' });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('unknown_user');
    expect(res.body.error.details.map((d: { field: string }) => d.field)).toEqual(['sender', 'recipient']);
    const one = await send({ sender: 'sam', recipient: 'nobody', subject: '', message: '' });
    expect(one.body.error.details).toEqual([{ field: 'recipient', message: 'no user "nobody"' }]);
  });

  it('answers 400 same_user when sender and recipient are the same', async () => {
    const res = await send({ sender: 'sam', recipient: 'sam', subject: 's', message: 'm' });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('same_user');
  });

  it.each([
    ['missing fields', { sender: 'sam' }, ['recipient', 'subject', 'message']],
    ['wrong types', { sender: 'sam', recipient: 'rita', subject: 1, message: true }, ['subject', 'message']],
    ['a subject over 200', { sender: 'sam', recipient: 'rita', subject: 's'.repeat(201), message: '' }, ['subject']],
    [
      'a message over 10,000',
      { sender: 'sam', recipient: 'rita', subject: '', message: 'm'.repeat(10_001) },
      ['message'],
    ],
  ])('rejects %s with 400 listing every field', async (_what, body, fields) => {
    const res = await send(body);
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('validation_error');
    expect(res.body.error.details.map((d: { field: string }) => d.field).sort()).toEqual([...fields].sort());
  });

  it('validates the list query', async () => {
    expect((await request(h.app).get('/users/messages')).status).toBe(400);
    expect((await request(h.app).get('/users/messages').query({ recipient: 'nobody' })).status).toBe(404);
    expect((await request(h.app).get('/users').query({ limit: 'lots' })).status).toBe(400);
    expect((await request(h.app).get('/users').query({ limit: 1 })).body.data).toHaveLength(1);
    expect((await request(h.app).get('/users').query({ cursor: 'garbage' })).status).toBe(400);
    expect((await request(h.app).get('/users?limit[]=1')).status).toBe(400);
  });

  it('pages through users with next_cursor, oldest first, each user once', async () => {
    const all = (await request(h.app).get('/users').query({ limit: 1000 })).body.data as { id: string }[];
    expect(all.length).toBeGreaterThanOrEqual(2);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const res = await request(h.app)
        .get('/users')
        .query({ limit: 1, ...(cursor ? { cursor } : {}) });
      expect(res.status).toBe(200);
      seen.push(...res.body.data.map((u: { id: string }) => u.id));
      cursor = res.body.next_cursor;
    } while (cursor);
    expect(seen).toEqual(all.map((u) => u.id));
  });
});
