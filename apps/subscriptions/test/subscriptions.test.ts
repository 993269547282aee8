import { subscriptionRecordSchema } from '@hookline/contracts';
import { createLogger } from '@hookline/http';
import { waitFor } from '@hookline/testing';
import request from 'supertest';
import { startSubscriptions } from '../src/app';
import { inProcessSnapshot } from '../src/snapshot';
import { SubscriptionStore } from '../src/store';
import { type Harness, startHarness } from './harness';

let h: Harness;
const silent = createLogger('test', 'silent');
beforeAll(async () => {
  h = await startHarness('subs');
});
afterAll(async () => {
  await h.close();
});

const valid = { url: 'https://example.com/hook', eventTypes: ['LIKED_PHOTO'] };
async function create(body: object = valid) {
  const res = await request(h.app).post('/subscription').send(body);
  expect(res.status).toBe(201);
  return res.body as { id: string; secret: string; [k: string]: unknown };
}
const UNKNOWN_ID = 'sub_01JB8Z3N6W9Q2V4X7Y5T1R0P3K';

describe('CRUD', () => {
  it('creates a subscription and answers its secret once', async () => {
    const res = await request(h.app)
      .post('/subscription')
      .send({ ...valid, description: 'likes', metadata: { team: 'photos' } });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      url: valid.url,
      eventTypes: ['LIKED_PHOTO'],
      description: 'likes',
      metadata: { team: 'photos' },
      enabled: true,
    });
    expect(res.body.id).toMatch(/^sub_[0-9A-Z]{26}$/);
    expect(res.body.secret).toMatch(/^whsec_/);
    expect(typeof res.body.createdAt).toBe('string');
  });

  it('de-duplicates event types', async () => {
    const sub = await create({ url: 'https://example.com/d', eventTypes: ['LIKED_PHOTO', 'LIKED_PHOTO', '*'] });
    expect(sub.eventTypes).toEqual(['LIKED_PHOTO', '*']);
  });

  it('gets one without its secret, and the secret separately', async () => {
    const sub = await create();
    const got = await request(h.app).get(`/subscription/${sub.id}`);
    expect(got.status).toBe(200);
    expect(got.body.id).toBe(sub.id);
    expect(JSON.stringify(got.body)).not.toMatch(/secret/i);
    const secret = await request(h.app).get(`/subscription/${sub.id}/secret`);
    expect(secret.status).toBe(200);
    expect(secret.body).toEqual({ secret: sub.secret });
  });

  it('lists with cursor pagination and filters, never with secrets', async () => {
    const url = `https://example.com/list-${Date.now()}`;
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await create({ url, eventTypes: ['user_registered'] })).id);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const res: request.Response = await request(h.app)
        .get('/subscription')
        .query({ url, limit: 2, ...(cursor ? { cursor } : {}) });
      expect(res.status).toBe(200);
      expect(JSON.stringify(res.body)).not.toMatch(/whsec_|secret/i);
      expect(res.body.data.length).toBeLessThanOrEqual(2);
      seen.push(...res.body.data.map((s: { id: string }) => s.id));
      cursor = res.body.next_cursor;
    } while (cursor);
    expect(seen).toEqual(ids);

    const byType = await request(h.app).get('/subscription').query({ eventType: 'user_registered', limit: 100 });
    expect(byType.body.data.every((s: { eventTypes: string[] }) => s.eventTypes.includes('user_registered'))).toBe(
      true,
    );
    const all = await request(h.app).get('/subscription');
    expect(all.status).toBe(200);
    expect(JSON.stringify(all.body)).not.toMatch(/whsec_/);
  });

  it('patches some fields; enabling clears disabledReason', async () => {
    const sub = await create();
    const off = await request(h.app)
      .patch(`/subscription/${sub.id}`)
      .send({ enabled: false, disabledReason: 'failing for 5 days' });
    expect(off.status).toBe(200);
    expect(off.body).toMatchObject({ enabled: false, disabledReason: 'failing for 5 days', url: valid.url });
    const on = await request(h.app).patch(`/subscription/${sub.id}`).send({ enabled: true });
    expect(on.body.enabled).toBe(true);
    expect(on.body.disabledReason).toBeUndefined();
    const desc = await request(h.app)
      .patch(`/subscription/${sub.id}`)
      .send({ description: 'x', eventTypes: ['*'] });
    expect(desc.body).toMatchObject({ description: 'x', eventTypes: ['*'] });
    const cleared = await request(h.app).patch(`/subscription/${sub.id}`).send({ description: null });
    expect(cleared.body.description).toBeUndefined();
  });

  it('replaces with PUT', async () => {
    const sub = await create({ ...valid, description: 'old', metadata: { a: 'b' } });
    const res = await request(h.app)
      .put(`/subscription/${sub.id}`)
      .send({ url: 'https://example.org/new', eventTypes: ['user_send_message'] });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      url: 'https://example.org/new',
      eventTypes: ['user_send_message'],
      enabled: true,
    });
    expect(res.body.description).toBeUndefined();
    expect(res.body.metadata).toBeUndefined();
  });

  it('deletes (204), then 404', async () => {
    const sub = await create();
    expect((await request(h.app).delete(`/subscription/${sub.id}`)).status).toBe(204);
    expect((await request(h.app).get(`/subscription/${sub.id}`)).status).toBe(404);
    const again = await request(h.app).delete(`/subscription/${sub.id}`);
    expect(again.status).toBe(404);
    expect(again.body.error.code).toBe('not_found');
  });
});

describe('4xx', () => {
  const fieldsOf = (res: request.Response) =>
    (res.body.error.details as { field?: string }[]).map((d) => d.field).sort();

  it('malformed ids are 400 invalid_id on every :id route', async () => {
    for (const [method, path] of [
      ['get', '/subscription/nope'],
      ['put', '/subscription/123'],
      ['patch', "/subscription/sub_'%20OR%201=1"],
      ['delete', '/subscription/sub_01JB8Z3N6W9Q2V4X7Y5T1R0P3'],
      ['get', '/subscription/nope/secret'],
      ['post', '/subscription/nope/secret/rotate'],
    ] as const) {
      const res = await request(h.app)
        [method](path)
        .send(method === 'get' || method === 'delete' ? undefined : valid);
      expect([method, path, res.status]).toEqual([method, path, 400]);
      expect(res.body.error.code).toBe('invalid_id');
    }
  });

  it('unknown ids are 404 on every :id route', async () => {
    for (const [method, path, body] of [
      ['get', `/subscription/${UNKNOWN_ID}`, undefined],
      ['put', `/subscription/${UNKNOWN_ID}`, valid],
      ['patch', `/subscription/${UNKNOWN_ID}`, { enabled: false }],
      ['delete', `/subscription/${UNKNOWN_ID}`, undefined],
      ['get', `/subscription/${UNKNOWN_ID}/secret`, undefined],
      ['post', `/subscription/${UNKNOWN_ID}/secret/rotate`, undefined],
    ] as const) {
      const res = await request(h.app)[method](path).set('Content-Type', 'application/json').send(body);
      expect([method, path, res.status]).toEqual([method, path, 404]);
      expect(res.body.error.code).toBe('not_found');
    }
  });

  it.each([
    ['not a url', 'not a url'],
    ['relative', '/hook'],
    ['ftp scheme', 'ftp://example.com/x'],
    ['credentials', 'https://user:pass@example.com/x'],
    ['username only', 'https://user@example.com/x'],
    ['too long', `https://example.com/${'a'.repeat(2048)}`],
    ['loopback', 'http://127.0.0.1:9000/hook'],
    ['metadata address', 'http://169.254.169.254/'],
    ['localhost', 'http://localhost/hook'],
    ['mapped v6', 'http://[::ffff:192.168.0.1]/'],
  ])('refuses the url: %s', async (_what, url) => {
    const res = await request(h.app)
      .post('/subscription')
      .send({ url, eventTypes: ['LIKED_PHOTO'] });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('validation_error');
    expect(fieldsOf(res)).toEqual(['url']);
  });

  it('lists every invalid field in one 400', async () => {
    const res = await request(h.app)
      .post('/subscription')
      .send({ url: 'nope', eventTypes: ['LIKED_PHOTOS', '*'], description: 'x'.repeat(501) });
    expect(res.status).toBe(400);
    expect(fieldsOf(res)).toEqual(['description', 'eventTypes.0', 'url']);
    expect(JSON.stringify(res.body)).toMatch(/unknown event type \\"LIKED_PHOTOS\\"/);
  });

  it('refuses empty, missing or too many event types', async () => {
    for (const eventTypes of [[], undefined, 'LIKED_PHOTO', Array.from({ length: 101 }, () => 'LIKED_PHOTO')]) {
      const res = await request(h.app).post('/subscription').send({ url: valid.url, eventTypes });
      expect(res.status).toBe(400);
      expect(fieldsOf(res)).toEqual(['eventTypes']);
    }
  });

  it('refuses bad metadata', async () => {
    const tooMany = Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`k${i}`, 'v']));
    for (const metadata of [tooMany, { 'a.b': 'x' }, { a: 1 }, ['x']]) {
      const res = await request(h.app)
        .post('/subscription')
        .send({ ...valid, metadata });
      expect(res.status).toBe(400);
    }
    // Sent as raw JSON: an object literal's __proto__ would set the prototype, not a key.
    const proto = await request(h.app)
      .post('/subscription')
      .set('content-type', 'application/json')
      .send(`{"url":"${valid.url}","eventTypes":["LIKED_PHOTO"],"metadata":{"__proto__":"x","team":"a"}}`);
    expect(proto.status).toBe(400);
    expect(proto.body.error).toEqual({ code: 'invalid_body', message: 'keys named __proto__ are not accepted' });
  });

  it('refuses an unknown or empty PATCH', async () => {
    const sub = await create();
    for (const body of [{}, { enable: false }, { url: 'x' }, { eventTypes: [] }]) {
      const res = await request(h.app).patch(`/subscription/${sub.id}`).send(body);
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('validation_error');
    }
  });

  it('non-JSON bodies: broken JSON 400, other content types 415, no body 400', async () => {
    const broken = await request(h.app).post('/subscription').set('content-type', 'application/json').send('{"url":');
    expect(broken.status).toBe(400);
    expect(broken.body.error.code).toBe('invalid_json');
    const text = await request(h.app).post('/subscription').set('content-type', 'text/plain').send('hello');
    expect(text.status).toBe(415);
    expect(text.body.error.code).toBe('unsupported_media_type');
    // No body and no JSON content type: what a cross-site form could send (see packages/http request-guard).
    const none = await request(h.app).post('/subscription');
    expect(none.status).toBe(415);
    const scalar = await request(h.app).post('/subscription').set('content-type', 'application/json').send('42');
    expect(scalar.status).toBe(400);
  });

  it('oversized bodies are 413', async () => {
    const res = await request(h.app)
      .post('/subscription')
      .send({ ...valid, description: 'x'.repeat(300 * 1024) });
    expect(res.status).toBe(413);
    expect(res.body.error.code).toBe('payload_too_large');
  });

  it('bad list queries are 400', async () => {
    for (const query of ['limit=0', 'limit=101', 'limit=abc', 'cursor=nope', 'limit=1&limit=2']) {
      const res = await request(h.app).get(`/subscription?${query}`);
      expect([query, res.status]).toEqual([query, 400]);
    }
  });
});

describe('secrets', () => {
  it('rotates: both secrets valid within the grace period, published on the feed', async () => {
    const sub = await create();
    const before = Date.now();
    const res = await request(h.app)
      .post(`/subscription/${sub.id}/secret/rotate`)
      .set('Content-Type', 'application/json')
      .send({ grace_hours: 2 });
    expect(res.status).toBe(200);
    expect(res.body.secret).toMatch(/^whsec_/);
    expect(res.body.secret).not.toBe(sub.secret);
    const expires = Date.parse(res.body.previous_secret_expires_at);
    expect(expires).toBeGreaterThanOrEqual(before + 2 * 3600_000 - 1000);
    expect(expires).toBeLessThanOrEqual(Date.now() + 2 * 3600_000 + 1000);
    expect((await request(h.app).get(`/subscription/${sub.id}/secret`)).body.secret).toBe(res.body.secret);

    const change = await waitFor(() =>
      h.changes.find(
        (c) => c.op === 'upsert' && c.subscription.id === sub.id && c.subscription.secret === res.body.secret,
      ),
    );
    expect(change.op === 'upsert' && change.subscription.previousSecret).toBe(sub.secret);

    const snapshot = await request(h.app).get('/subscription/snapshot');
    const line = snapshot.text
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l))
      .find((r) => r.id === sub.id);
    expect(line).toMatchObject({ secret: res.body.secret, previousSecret: sub.secret });
  });

  it('uses the configured grace by default; 0 drops the old secret at once', async () => {
    const sub = await create();
    const res = await request(h.app)
      .post(`/subscription/${sub.id}/secret/rotate`)
      .set('Content-Type', 'application/json');
    expect(res.status).toBe(200);
    const hours = (Date.parse(res.body.previous_secret_expires_at) - Date.now()) / 3600_000;
    expect(hours).toBeGreaterThan(23.9);
    expect(hours).toBeLessThanOrEqual(24);
    const now = await request(h.app)
      .post(`/subscription/${sub.id}/secret/rotate`)
      .set('Content-Type', 'application/json')
      .send({ grace_hours: 0 });
    expect(now.body.previous_secret_expires_at).toBeNull();
    const bad = await request(h.app)
      .post(`/subscription/${sub.id}/secret/rotate`)
      .set('Content-Type', 'application/json')
      .send({ grace_hours: -1 });
    expect(bad.status).toBe(400);
  });
});

describe('change feed', () => {
  it('publishes one message per write, before answering, with increasing versions', async () => {
    const start = h.changes.length;
    const sub = await create();
    // Published before the answer: no waiting needed beyond the consumer's delivery.
    await waitFor(() => h.changes.length > start);
    await request(h.app).patch(`/subscription/${sub.id}`).send({ enabled: false, disabledReason: 'gone' });
    await request(h.app).put(`/subscription/${sub.id}`).send(valid);
    await request(h.app).post(`/subscription/${sub.id}/secret/rotate`).set('Content-Type', 'application/json');
    await request(h.app).delete(`/subscription/${sub.id}`);
    const mine = await waitFor(() => {
      const m = h.changes.filter((c) => c.subscription.id === sub.id);
      return m.length >= 5 ? m : null;
    });
    expect(mine.map((c) => c.op)).toEqual(['upsert', 'upsert', 'upsert', 'upsert', 'delete']);
    const versions = mine.flatMap((c) => (c.op === 'upsert' ? [c.subscription.version] : []));
    for (let i = 1; i < versions.length; i++) expect(versions[i]).toBeGreaterThan(versions[i - 1] as number);
    const disabled = mine[1];
    expect(disabled?.op === 'upsert' && disabled.subscription.enabled).toBe(false);
  });

  it('still answers when the broker is down, and logs instead', async () => {
    const other = await startHarness('subs-down');
    await other.broker.close();
    const res = await request(other.app).post('/subscription').send(valid);
    expect(res.status).toBe(201);
    expect((await request(other.app).get(`/subscription/${res.body.id}`)).status).toBe(200);
    await other.close();
  });
});

describe('snapshot', () => {
  it('streams every subscription as NDJSON with secrets', async () => {
    const a = await create();
    const b = await create();
    await request(h.app).patch(`/subscription/${b.id}`).send({ enabled: false });
    const res = await request(h.app).get('/subscription/snapshot');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/application\/x-ndjson/);
    const records = res.text
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    const ids = records.map((r) => r.id);
    expect(ids).toEqual(expect.arrayContaining([a.id, b.id]));
    expect(records.find((r) => r.id === a.id)).toMatchObject({ secret: a.secret, enabled: true, url: valid.url });
    expect(records.find((r) => r.id === b.id)).toMatchObject({ enabled: false });
    expect(typeof records[0].version).toBe('number');
  });

  it('lets a dispatcher in the same process (npm start) disable a subscription as PATCH does, change published', async () => {
    const { disable } = (await startSubscriptions({ config: h.config, broker: h.broker, db: h.db, logger: silent }))
      .inProcess;
    const sub = await create();
    await disable(sub.id, 'the receiver answered 410 Gone');
    const view = await request(h.app).get(`/subscription/${sub.id}`);
    expect(view.body).toMatchObject({ enabled: false, disabledReason: 'the receiver answered 410 Gone' });
    await waitFor(() =>
      h.changes.some((c) => c.op === 'upsert' && c.subscription.id === sub.id && !c.subscription.enabled),
    );
    // Deleted meanwhile: nothing to disable, and no error for the dispatcher.
    await expect(disable('sub_01J0000000000000000000GONE', 'x')).resolves.toBeUndefined();
  });

  it('hands a dispatcher in the same process (npm start) exactly the records the HTTP snapshot streams', async () => {
    const rotated = await create();
    await request(h.app).post(`/subscription/${rotated.id}/secret/rotate`).set('Content-Type', 'application/json');
    await request(h.app)
      .patch(`/subscription/${rotated.id}`)
      .send({ rateLimit: 5, headers: { 'x-team': 'a' }, filter: { type: 'LIKED_PHOTO' } });
    const overHttp = (await request(h.app).get('/subscription/snapshot')).text
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    const inProcess = await inProcessSnapshot(new SubscriptionStore(h.db)).load();
    const byId = (a: { id: string }, b: { id: string }) => a.id.localeCompare(b.id);
    // The same records, and already in the contract's shape (the HTTP path parses with it).
    expect(JSON.parse(JSON.stringify(inProcess)).sort(byId)).toEqual(overHttp.sort(byId));
    for (const record of inProcess) expect(subscriptionRecordSchema.parse(record)).toEqual(record);
    expect(inProcess.find((r) => r.id === rotated.id)).toMatchObject({
      previousSecret: rotated.secret,
      rateLimit: 5,
      headers: { 'x-team': 'a' },
    });
  });
});

describe('OpenAPI', () => {
  it('documents every route', async () => {
    const res = await request(h.app).get('/openapi.json');
    expect(res.status).toBe(200);
    const paths = Object.keys(res.body.paths);
    for (const p of [
      '/subscription',
      '/subscription/{id}',
      '/subscription/{id}/secret',
      '/subscription/{id}/secret/rotate',
      '/subscription/snapshot',
      '/webhook',
      '/webhooks',
      '/ping',
    ]) {
      expect(paths).toContain(p);
    }
    expect(Object.keys(res.body.paths['/subscription/{id}'])).toEqual(
      expect.arrayContaining(['get', 'put', 'patch', 'delete']),
    );
    expect((await request(h.app).get('/docs/')).status).toBe(200);
  });
});
