import request from 'supertest';
import { type Harness, startHarness } from './harness';

let h: Harness;
beforeAll(async () => {
  h = await startHarness('registrations');
});
afterAll(async () => {
  await h.close();
});

const countFor = (url: string) => h.db.collection('subscriptions').countDocuments({ url });

describe('concurrent registrations make one subscription', () => {
  it('POST /webhook: 12 at once for one url and event give one 201, eleven 409 and one subscription', async () => {
    const url = 'http://example.com/race-webhook';
    const results = await Promise.all(
      Array.from({ length: 12 }, () => request(h.app).post('/webhook').send({ url, event: 'user_registered' })),
    );
    expect(results.map((r) => r.status).sort()).toEqual([201, ...Array(11).fill(409)]);
    expect(await countFor(url)).toBe(1);
  });

  it('POST /webhooks/: 12 at once for one url give one 201 and eleven 200 naming the same subscription', async () => {
    const url = 'http://example.com/race-all';
    const results = await Promise.all(
      Array.from({ length: 12 }, () => request(h.app).post('/webhooks/').send({ url })),
    );
    expect(results.map((r) => r.status).sort()).toEqual([...Array(11).fill(200), 201]);
    expect(new Set(results.map((r) => r.body.id)).size).toBe(1);
    expect(await countFor(url)).toBe(1);
  });

  it('a registration edited into something else no longer blocks registering the url again', async () => {
    const url = 'http://example.com/edited';
    const first = await request(h.app).post('/webhooks/').send({ url });
    expect(first.status).toBe(201);
    const patched = await request(h.app)
      .patch(`/subscription/${first.body.id}`)
      .send({ eventTypes: ['user_registered'] });
    expect(patched.status).toBe(200);
    const again = await request(h.app).post('/webhooks/').send({ url });
    expect(again.status).toBe(201);
    expect(again.body.id).not.toBe(first.body.id);
    expect((await request(h.app).post('/webhooks/').send({ url })).body.id).toBe(again.body.id);
  });
});
