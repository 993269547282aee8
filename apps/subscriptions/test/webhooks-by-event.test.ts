import { createServer } from 'node:net';
import { type Receiver, startReceiver } from '@hookline/testing';
import { Webhook } from 'standardwebhooks';
import request from 'supertest';
import { type Harness, startHarness } from './harness';

// Receivers run on 127.0.0.1, so this harness allows private targets (as `npm start` does).
let h: Harness;
let receiver: Receiver;
beforeAll(async () => {
  h = await startHarness('seed3', { ALLOW_PRIVATE_TARGETS: 'true' });
  receiver = await startReceiver();
});
afterAll(async () => {
  await receiver.close();
  await h.close();
});
beforeEach(async () => {
  await h.db.collection('subscriptions').deleteMany({});
  receiver.requests.length = 0;
});

/** A port nothing listens on: bind one, note it, close it. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  await new Promise((r) => server.close(r));
  return port;
}

const register = (event: string, url: string) => request(h.app).post('/webhook').send({ event, url });

describe('POST /webhook and DELETE /webhook: a url per event', () => {
  it("answers the seed's example exactly", async () => {
    const res = await request(h.app)
      .post('/webhook')
      .set('Content-Type', 'application/json')
      .send('{"url":"http://example.com/webhook",\n"event":"user_registered"}');
    expect(res.status).toBe(201);
    expect(res.body).toEqual({
      message: 'Webhook registered successfully',
      url: 'http://example.com/webhook',
      event: 'user_registered',
    });
    // It is a subscription like any other.
    const list = await request(h.app).get('/subscription').query({ url: 'http://example.com/webhook' });
    expect(list.body.data).toHaveLength(1);
    expect(list.body.data[0].eventTypes).toEqual(['user_registered']);
  });

  it('the same url for the same event again is 409; another event is fine', async () => {
    expect((await register('user_registered', 'http://example.com/a')).status).toBe(201);
    const again = await register('user_registered', 'http://example.com/a');
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('already_registered');
    expect((await register('user_send_message', 'http://example.com/a')).status).toBe(201);
  });

  it('refuses unknown events and bad urls, listing both', async () => {
    const res = await request(h.app).post('/webhook').send({ event: 'user_deleted', url: 'nope' });
    expect(res.status).toBe(400);
    expect(res.body.error.details.map((d: { field: string }) => d.field).sort()).toEqual(['event', 'url']);
  });

  it('DELETE takes the event off; 204, then 404', async () => {
    await register('user_registered', 'http://example.com/webhook');
    const del = await request(h.app)
      .delete('/webhook')
      .set('Content-Type', 'application/json')
      .send('{"url":"http://example.com/webhook",\n"event":"user_registered"}');
    expect(del.status).toBe(204);
    expect((await request(h.app).get('/subscription').query({ url: 'http://example.com/webhook' })).body.data).toEqual(
      [],
    );
    const again = await request(h.app)
      .delete('/webhook')
      .send({ url: 'http://example.com/webhook', event: 'user_registered' });
    expect(again.status).toBe(404);
    expect(again.body.error.code).toBe('not_found');
  });

  it('DELETE keeps a subscription that still has other events, and publishes the change', async () => {
    const sub = (
      await request(h.app)
        .post('/subscription')
        .send({ url: 'http://example.com/multi', eventTypes: ['user_registered', 'user_send_message'] })
    ).body;
    const del = await request(h.app)
      .delete('/webhook')
      .send({ url: 'http://example.com/multi', event: 'user_registered' });
    expect(del.status).toBe(204);
    expect((await request(h.app).get(`/subscription/${sub.id}`)).body.eventTypes).toEqual(['user_send_message']);
    const last = h.changes.filter((c) => c.subscription.id === sub.id).at(-1);
    expect(last?.op === 'upsert' && last.subscription.eventTypes).toEqual(['user_send_message']);
  });
});

describe('GET /webhooks: urls grouped by event', () => {
  beforeEach(async () => {
    await register('user_registered', 'http://example.com/webhook1');
    await register('user_registered', 'http://example.com/webhook2');
    await register('user_send_message', 'http://example.com/webhook3');
  });

  it("groups by event as the seed's example", async () => {
    const res = await request(h.app).get('/webhooks');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      webhooks: [
        { event: 'user_registered', urls: ['http://example.com/webhook1', 'http://example.com/webhook2'] },
        { event: 'user_send_message', urls: ['http://example.com/webhook3'] },
      ],
    });
  });

  it('filters by event', async () => {
    const res = await request(h.app).get('/webhooks?event_filter=user_registered');
    expect(res.body).toEqual({
      webhooks: [{ event: 'user_registered', urls: ['http://example.com/webhook1', 'http://example.com/webhook2'] }],
    });
  });

  it('a known event without urls is an empty list; an unknown one is 400', async () => {
    const empty = await request(h.app).get('/webhooks?event_filter=LIKED_PHOTO');
    expect(empty.status).toBe(200);
    expect(empty.body).toEqual({ webhooks: [] });
    const unknown = await request(h.app).get('/webhooks?event_filter=nope');
    expect(unknown.status).toBe(400);
  });

  it('"*" subscriptions are their own group, and count for every filter', async () => {
    await request(h.app).post('/webhooks/').send({ url: 'http://example.com/all' });
    const all = await request(h.app).get('/webhooks');
    expect(all.body.webhooks.at(-1)).toEqual({ event: '*', urls: ['http://example.com/all'] });
    const filtered = await request(h.app).get('/webhooks?event_filter=user_send_message');
    expect(filtered.body.webhooks).toEqual([
      { event: 'user_send_message', urls: ['http://example.com/webhook3', 'http://example.com/all'] },
    ]);
  });
});

describe('POST /webhooks/: a url for every event', () => {
  it('subscribes a url to every event, once', async () => {
    const res = await request(h.app).post('/webhooks/').send({ url: 'http://10.0.2.2:7777' });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ url: 'http://10.0.2.2:7777', eventTypes: ['*'], enabled: true });
    expect(res.body.secret).toMatch(/^whsec_/);
    const again = await request(h.app).post('/webhooks').send({ url: 'http://10.0.2.2:7777' });
    expect(again.status).toBe(200);
    expect(again.body.id).toBe(res.body.id);
  });
});

describe('POST /ping: a signed test delivery to each url', () => {
  it('pings every url with a signed Standard Webhooks delivery, and reports failures', async () => {
    receiver.respond((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"message": "Webhook received successfully"}');
    });
    await register('user_registered', `${receiver.url}/webhook1`);
    const refused = `http://127.0.0.1:${await closedPort()}/webhook3`;
    await register('user_registered', refused);
    const res = await request(h.app).post('/ping').set('Content-Type', 'application/json');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      message: 'Pinged all registered webhooks; 1 of 2 failed.',
      successful_webhooks_count: 1,
      successful_webhooks: [
        {
          event: 'user_registered',
          url: `${receiver.url}/webhook1`,
          payload_response: { message: 'Webhook received successfully' },
          status_code: 200,
        },
      ],
      failed_webhooks_count: 1,
      failed_webhooks: [{ event: 'user_registered', url: refused, error: 'Connection refused', status_code: null }],
    });

    const [req] = receiver.requests;
    expect(req?.path).toBe('/webhook1');
    const secret = (
      await request(h.app)
        .get('/subscription')
        .query({ url: `${receiver.url}/webhook1` })
    ).body.data[0].id;
    const { body: secretBody } = await request(h.app).get(`/subscription/${secret}/secret`);
    const payload = new Webhook(secretBody.secret).verify(req?.body ?? '', req?.headers as Record<string, string>);
    expect(payload).toMatchObject({ type: 'user_registered', data: { message: 'ping from Hookline' } });
    expect(req?.headers['webhook-id']).toMatch(/^msg_/);
  });

  it('sends the given JSON body as data, only to the filtered event, and all succeed', async () => {
    receiver.respond((_req, res) => {
      res.writeHead(200);
      res.end('{}');
    });
    await register('user_registered', `${receiver.url}/r`);
    await register('user_send_message', `${receiver.url}/m`);
    const res = await request(h.app)
      .post('/ping?event_filter=user_send_message')
      .send({ arbitrary_key: 'test', arbitrary_key2: 'test2' });
    expect(res.body).toEqual({
      message: 'Pinged all registered webhooks successfully.',
      successful_webhooks_count: 1,
      successful_webhooks: [
        { event: 'user_send_message', url: `${receiver.url}/m`, payload_response: {}, status_code: 200 },
      ],
      failed_webhooks_count: 0,
      failed_webhooks: [],
    });
    expect(receiver.requests).toHaveLength(1);
    expect(JSON.parse(receiver.requests[0]?.body ?? '')).toMatchObject({
      type: 'user_send_message',
      data: { arbitrary_key: 'test', arbitrary_key2: 'test2' },
    });
  });

  it('non-2xx answers are failures with their status; text answers are returned as text', async () => {
    receiver.respond((req, res) => {
      if (req.path === '/bad') {
        res.writeHead(500);
        res.end('boom');
      } else {
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.end('thanks');
      }
    });
    await register('user_registered', `${receiver.url}/bad`);
    await register('user_registered', `${receiver.url}/text`);
    const res = await request(h.app).post('/ping').set('Content-Type', 'application/json');
    expect(res.body.successful_webhooks).toEqual([
      { event: 'user_registered', url: `${receiver.url}/text`, payload_response: 'thanks', status_code: 200 },
    ]);
    expect(res.body.failed_webhooks).toEqual([
      { event: 'user_registered', url: `${receiver.url}/bad`, error: 'HTTP 500', status_code: 500 },
    ]);
  });

  it('skips disabled subscriptions; no urls is a success with zero counts; bad filter is 400', async () => {
    const sub = (
      await request(h.app)
        .post('/subscription')
        .send({ url: `${receiver.url}/x`, eventTypes: ['LIKED_PHOTO'] })
    ).body;
    await request(h.app).patch(`/subscription/${sub.id}`).send({ enabled: false });
    const res = await request(h.app).post('/ping?event_filter=LIKED_PHOTO').set('Content-Type', 'application/json');
    expect(res.body).toMatchObject({ successful_webhooks_count: 0, failed_webhooks_count: 0 });
    expect(receiver.requests).toHaveLength(0);
    expect((await request(h.app).post('/ping?event_filter=nope').set('Content-Type', 'application/json')).status).toBe(
      400,
    );
  });

  it('signs with both secrets during a rotation', async () => {
    receiver.respond((_req, res) => {
      res.writeHead(204);
      res.end();
    });
    const sub = (
      await request(h.app)
        .post('/subscription')
        .send({ url: `${receiver.url}/rot`, eventTypes: ['LIKED_PHOTO'] })
    ).body;
    const rotated = (
      await request(h.app).post(`/subscription/${sub.id}/secret/rotate`).set('Content-Type', 'application/json')
    ).body;
    const res = await request(h.app).post('/ping?event_filter=LIKED_PHOTO').set('Content-Type', 'application/json');
    expect(res.body.successful_webhooks).toEqual([
      { event: 'LIKED_PHOTO', url: `${receiver.url}/rot`, payload_response: null, status_code: 204 },
    ]);
    const [req] = receiver.requests;
    const headers = req?.headers as Record<string, string>;
    expect(headers['webhook-signature']?.split(' ')).toHaveLength(2);
    for (const secret of [sub.secret, rotated.secret]) {
      expect(() => new Webhook(secret).verify(req?.body ?? '', headers)).not.toThrow();
    }
  });

  it('times out after 5 s', async () => {
    receiver.respond(() => {
      /* never answers */
    });
    await register('user_registered', `${receiver.url}/slow`);
    const started = Date.now();
    const res = await request(h.app).post('/ping').set('Content-Type', 'application/json');
    expect(Date.now() - started).toBeLessThan(7000);
    expect(res.body.failed_webhooks).toEqual([
      { event: 'user_registered', url: `${receiver.url}/slow`, error: 'Timeout', status_code: null },
    ]);
  }, 15_000);
});
