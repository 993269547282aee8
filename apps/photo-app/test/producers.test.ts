import request from 'supertest';
import { createApp } from '../src';
import { type Harness, startHarness } from './helpers';

// Two producers and an operator: each producer key may publish, and only publish.
const A = 'producer-key-a';
const B = 'producer-key-b';
const ADMIN = 'admin-key';

let h: Harness;
let app: ReturnType<typeof createApp>;
beforeAll(async () => {
  h = await startHarness('producers');
  app = createApp({ ...h.deps, config: { ...h.deps.config, PRODUCER_KEYS: [A, B], API_KEYS: [ADMIN] } });
});
afterAll(async () => {
  await h?.close();
});

const publish = (key: string | undefined, body: object, headers: Record<string, string> = {}) => {
  const req = request(app).post('/events').set(headers);
  if (key) req.set('Authorization', `Bearer ${key}`);
  return req.send(body);
};

describe('POST /events with keys configured', () => {
  it('needs a producer (or management) key', async () => {
    const none = await publish(undefined, { type: 'order_created', data: 1 });
    expect(none.status).toBe(401);
    expect(none.body.error.code).toBe('unauthorized');
    expect((await publish('wrong', { type: 'order_created', data: 1 })).status).toBe(401);
    expect((await publish(A, { type: 'order_created', data: 1 })).status).toBe(202);
    expect((await publish(ADMIN, { type: 'order_created', data: 1 })).status).toBe(202);
  });

  it('refuses station.* types: only the gateway publishes those, after its JWT and schema checks', async () => {
    const res = await publish(A, { type: 'station.stripe-notifications', data: { forged: true } });
    expect(res.status).toBe(400);
    expect(res.body.error.details).toEqual([{ field: 'type', message: expect.stringMatching(/gateway/) }]);
  });

  it("a caller-chosen id cannot squat another producer's id", async () => {
    const squat = await publish(A, { type: 'order_created', data: 'forged', id: 'order-42' });
    expect(squat.status).toBe(202);
    const real = await publish(B, { type: 'order_created', data: 'real', id: 'order-42' });
    expect(real.status).toBe(202);
    expect(real.headers['idempotent-replayed']).toBeUndefined();
    expect(real.body.id).not.toBe(squat.body.id);
    const events = await h.waitForEvents(2);
    expect(events.map((e) => e.envelope.data)).toEqual(expect.arrayContaining(['forged', 'real']));
    // The same producer repeating its id is still a replay.
    const again = await publish(B, { type: 'order_created', data: 'real', id: 'order-42' });
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.body.id).toBe(real.body.id);
  });

  it("an Idempotency-Key is the producer's own", async () => {
    const first = await publish(A, { type: 'order_paid', data: 'a' }, { 'Idempotency-Key': 'pay-7' });
    const other = await publish(B, { type: 'order_paid', data: 'b' }, { 'Idempotency-Key': 'pay-7' });
    expect([first.status, other.status]).toEqual([202, 202]);
    expect(other.headers['idempotent-replayed']).toBeUndefined();
    expect(other.body.id).not.toBe(first.body.id);
  });
});
