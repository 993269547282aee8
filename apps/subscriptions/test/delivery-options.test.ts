import { waitFor } from '@hookline/testing';
import request from 'supertest';
import { type Harness, startHarness } from './harness';

let h: Harness;
beforeAll(async () => {
  h = await startHarness('subs-options');
});
afterAll(async () => {
  await h.close();
});

const filter = { data: { amount: { $gte: 100 } } };
const transform = '{"n": data.amount}';
const headers = { 'X-Api-Key': 'k' };

describe('filter, transform, headers and signing on a subscription', () => {
  it('appear in the view, the change feed and the snapshot; PATCH null removes each', async () => {
    const created = await request(h.app)
      .post('/subscription')
      .send({ url: 'https://example.com/o', eventTypes: ['LIKED_PHOTO'], filter, transform, headers });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ filter, transform, headers, signing: 'hmac-sha256' });
    const id = created.body.id as string;

    const change = await waitFor(() => h.changes.find((c) => c.op === 'upsert' && c.subscription.id === id));
    expect(change.op === 'upsert' && change.subscription).toMatchObject({ filter, transform, headers, signing: null });
    const snapshot = await request(h.app).get('/subscription/snapshot');
    const line = snapshot.text
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l))
      .find((r) => r.id === id);
    expect(line).toMatchObject({ filter, transform, headers });

    const patched = await request(h.app).patch(`/subscription/${id}`).send({ filter: null, transform: null });
    expect(patched.status).toBe(200);
    expect(patched.body.filter).toBeUndefined();
    expect(patched.body.transform).toBeUndefined();
    expect(patched.body.headers).toEqual(headers);
    const replaced = await request(h.app)
      .put(`/subscription/${id}`)
      .send({ url: 'https://example.com/o', eventTypes: ['*'] });
    expect(replaced.body.headers).toBeUndefined();
  });

  it('a list never shows custom header values (a receiver credential); the subscription itself does', async () => {
    const secretHeaders = { Authorization: 'Bearer receiver-credential', 'X-Team': 'photos' };
    const created = await request(h.app)
      .post('/subscription')
      .send({ url: 'https://example.com/listed', eventTypes: ['LIKED_PHOTO'], headers: secretHeaders });
    expect(created.status).toBe(201);
    const list = await request(h.app).get('/subscription?limit=100');
    expect(list.status).toBe(200);
    expect(list.body.data.map((s: { id: string }) => s.id)).toContain(created.body.id);
    expect(list.text).not.toContain('receiver-credential');
    const one = await request(h.app).get(`/subscription/${created.body.id}`);
    expect(one.body.headers).toEqual(secretHeaders);
  });

  it('refuses a bad transform with its position, and bad signing values', async () => {
    const bad = await request(h.app)
      .post('/subscription')
      .send({ url: 'https://example.com/o', eventTypes: ['*'], transform: '{"a": data.b' });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details[0]).toMatchObject({ field: 'transform', message: expect.stringMatching(/position/) });
    const signing = await request(h.app)
      .post('/subscription')
      .send({ url: 'https://example.com/o', eventTypes: ['*'], signing: 'rsa' });
    expect(signing.status).toBe(400);
    expect(signing.body.error.details[0].field).toBe('signing');
  });

  it('ed25519: only the public key is ever answered; switching schemes keeps the old secret signing', async () => {
    const created = await request(h.app)
      .post('/subscription')
      .send({ url: 'https://example.com/e', eventTypes: ['*'], signing: 'ed25519' });
    expect(created.body).toMatchObject({ signing: 'ed25519', publicKey: expect.stringMatching(/^whpk_/) });
    expect(JSON.stringify(created.body)).not.toMatch(/whsk_|"secret"/);
    const id = created.body.id as string;
    const change = await waitFor(() => h.changes.find((c) => c.op === 'upsert' && c.subscription.id === id));
    // The dispatchers sign with the private key: the feed carries it (never an HTTP answer).
    expect(change.op === 'upsert' && change.subscription.secret).toMatch(/^whsk_/);

    const toHmac = await request(h.app).patch(`/subscription/${id}`).send({ signing: null });
    expect(toHmac.body.signing).toBe('hmac-sha256');
    const secret = await request(h.app).get(`/subscription/${id}/secret`);
    expect(secret.body).toEqual({ secret: expect.stringMatching(/^whsec_/) });
    const last = await waitFor(() =>
      h.changes
        .filter((c) => c.op === 'upsert' && c.subscription.id === id && c.subscription.secret.startsWith('whsec_'))
        .at(-1),
    );
    expect(last.op === 'upsert' && last.subscription.previousSecret).toMatch(/^whsk_/);
  });
});
