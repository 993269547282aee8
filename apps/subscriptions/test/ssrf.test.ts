import { lookup } from 'node:dns/promises';
import { hostname } from 'node:os';
import { type Receiver, startReceiver } from '@hookline/testing';
import request from 'supertest';
import { type Harness, startHarness } from './harness';

// A host NAME (not a literal address, so creating the subscription is allowed) that resolves to a
// private address: this machine's own name, which /etc/hosts maps to 127.0.0.1 or 127.0.1.1.
const self = hostname();
const json = { 'Content-Type': 'application/json' };

let guarded: Harness;
let open: Harness;
let metadata: Receiver;
let selfIsPrivate = false;
beforeAll(async () => {
  [guarded, open, metadata] = await Promise.all([
    startHarness('subssrf', { ALLOW_PRIVATE_TARGETS: 'false' }),
    startHarness('subssrfopen', { ALLOW_PRIVATE_TARGETS: 'true' }),
    startReceiver(),
  ]);
  metadata.respond((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('{"AccessKeyId":"ASIA-TOP-SECRET"}');
  });
  selfIsPrivate = (await lookup(self).catch(() => ({ address: '' }))).address.startsWith('127.');
});
afterAll(async () => {
  await Promise.all([guarded?.close(), open?.close(), metadata?.close()]);
});

describe('one list of refused ranges, for creating subscriptions and for connecting', () => {
  it.each(['http://198.18.0.1/hook', 'http://192.0.0.8/hook', 'http://[::ffff:198.18.0.1]/hook'])(
    'refuses %s at creation, as delivery would',
    async (url) => {
      const res = await request(guarded.app)
        .post('/subscription')
        .send({ url, eventTypes: ['LIKED_PHOTO'] });
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('validation_error');
    },
  );
});

describe('/ping goes through the guarded delivery sender', () => {
  it('does not reach, nor show the answer of, a host name that resolves to a private address', async () => {
    if (!selfIsPrivate) throw new Error(`${self} does not resolve to 127.x here: this test needs it to`);
    const url = `http://${self}:${metadata.port}/latest/meta-data/iam`;
    const created = await request(guarded.app).post('/webhook').send({ url, event: 'user_registered' });
    expect(created.status).toBe(201);
    const res = await request(guarded.app).post('/ping?event_filter=user_registered').set(json);
    expect(res.status).toBe(200);
    expect(JSON.stringify(res.body)).not.toContain('ASIA-TOP-SECRET');
    expect(res.body.successful_webhooks_count).toBe(0);
    expect(res.body.failed_webhooks).toEqual([
      { event: 'user_registered', url, error: expect.stringMatching(/refused address/), status_code: null },
    ]);
    expect(metadata.requests).toHaveLength(0);
  });

  it('signs with the delivery user-agent and ignores HTTP_PROXY from the environment', async () => {
    const receiver = await startReceiver();
    const saved = process.env.HTTP_PROXY;
    // A proxy that is not there: a sender honouring it fails; the guarded sender never asks it.
    process.env.HTTP_PROXY = 'http://127.0.0.1:9';
    try {
      await request(open.app)
        .post('/webhook')
        .send({ url: `${receiver.url}/users`, event: 'user_send_message' });
      const res = await request(open.app).post('/ping?event_filter=user_send_message').set(json);
      expect(res.body).toMatchObject({ successful_webhooks_count: 1, failed_webhooks_count: 0 });
      expect(res.body.successful_webhooks[0].payload_response).toEqual({ ok: true });
      expect(receiver.requests[0]?.headers['user-agent']).toMatch(/^Hookline\/\d/);
      expect(receiver.requests[0]?.headers['webhook-signature']).toMatch(/^v1,/);
    } finally {
      if (saved === undefined) delete process.env.HTTP_PROXY;
      else process.env.HTTP_PROXY = saved;
      await receiver.close();
    }
  });
});
