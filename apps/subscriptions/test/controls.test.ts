import { topologyNames } from '@hookline/broker';
import { CONTROLLED_SUBSCRIPTIONS_MAX, createEnvelope, ORDERING_SWITCH_DELAY_MS } from '@hookline/contracts';
import { waitFor } from '@hookline/testing';
import request from 'supertest';
import { type Harness, startHarness } from './harness';

let h: Harness;
beforeAll(async () => {
  h = await startHarness('subctl');
});
afterAll(async () => {
  await h.close();
});

const valid = { url: 'https://example.com/hook', eventTypes: ['LIKED_PHOTO'] };

/** How many messages the subscription's FIFO queue holds (null: no such queue). */
async function fifoDepth(id: string): Promise<number | null> {
  const queue = topologyNames(h.config.HOOKLINE_NAMESPACE).fifoQueue(id);
  try {
    return (await h.broker.withChannel((ch) => ch.checkQueue(queue))).messageCount;
  } catch {
    return null;
  }
}

async function publishLike(): Promise<void> {
  const names = topologyNames(h.config.HOOKLINE_NAMESPACE);
  const e = createEnvelope('LIKED_PHOTO', {});
  await h.broker.publish(names.eventsExchange, 'LIKED_PHOTO', Buffer.from(JSON.stringify(e)));
}

describe('delivery controls on subscriptions', () => {
  it.each([
    [{ rateLimit: 0 }, 'rateLimit'],
    [{ rateLimit: 10_001 }, 'rateLimit'],
    [{ rateLimit: 2.5 }, 'rateLimit'],
    [{ rateLimit: '20' }, 'rateLimit'],
    [{ ordering: 'lifo' }, 'ordering'],
  ])('refuses %j with a 400 naming the field', async (extra, field) => {
    const res = await request(h.app)
      .post('/subscription')
      .send({ ...valid, ...extra });
    expect(res.status).toBe(400);
    expect(JSON.stringify(res.body.error.details)).toContain(field);
  });

  it('creates with rateLimit and FIFO: shown, on the feed and the snapshot, and its queue takes the events', async () => {
    const before = Date.now();
    const res = await request(h.app)
      .post('/subscription')
      .send({ ...valid, rateLimit: 20, ordering: 'fifo' });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ rateLimit: 20, ordering: 'fifo' });
    const id = res.body.id as string;
    expect((await request(h.app).get(`/subscription/${id}`)).body).toMatchObject({ rateLimit: 20, ordering: 'fifo' });
    const change = await waitFor(() => h.changes.find((c) => c.subscription.id === id));
    expect(change.subscription).toMatchObject({ rateLimit: 20, ordering: 'fifo' });
    const snapshot = (await request(h.app).get('/subscription/snapshot')).text
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l))
      .find((r) => r.id === id);
    expect(snapshot).toMatchObject({ rateLimit: 20, ordering: 'fifo' });
    expect(snapshot.orderingSince).toBeGreaterThanOrEqual(before);
    await publishLike();
    await waitFor(async () => (await fifoDepth(id)) === 1);
  });

  it('PATCH null removes both: the view drops them, the switch is stamped, the queue takes no more events', async () => {
    const created = await request(h.app)
      .post('/subscription')
      .send({ ...valid, rateLimit: 5, ordering: 'fifo' });
    const id = created.body.id as string;
    const res = await request(h.app).patch(`/subscription/${id}`).send({ rateLimit: null, ordering: null });
    expect(res.status).toBe(200);
    expect(res.body.rateLimit).toBeUndefined();
    expect(res.body.ordering).toBeUndefined();
    const last = await waitFor(() => h.changes.filter((c) => c.subscription.id === id)[1]);
    expect(last.subscription).toMatchObject({ rateLimit: null, ordering: null });
    // The switch back takes effect ORDERING_SWITCH_DELAY_MS after the write: until then the queue
    // still takes events (they are stamped while FIFO); after it, it is unbound.
    const since = (last.subscription as { orderingSince: number }).orderingSince;
    expect(since).toBeGreaterThanOrEqual(Date.now() + ORDERING_SWITCH_DELAY_MS - 500);
    await publishLike();
    await waitFor(async () => (await fifoDepth(id)) === 1);
    let depth = 0;
    await waitFor(async () => {
      if (Date.now() < since + ORDERING_SWITCH_DELAY_MS) return false;
      depth = (await fifoDepth(id)) ?? -1;
      await publishLike();
      await new Promise((r) => setTimeout(r, 200)); // a routed message would be there by now
      return (await fifoDepth(id)) === depth;
    }, 10_000);
    // And back on: bound again, stamped again.
    const on = await request(h.app).patch(`/subscription/${id}`).send({ ordering: 'fifo', rateLimit: 100 });
    expect(on.body).toMatchObject({ ordering: 'fifo', rateLimit: 100 });
    await publishLike();
    await waitFor(async () => (await fifoDepth(id)) === depth + 1);
  });

  it(`refuses a control on subscription ${CONTROLLED_SUBSCRIPTIONS_MAX + 1} with a 409 (a channel each per dispatcher)`, async () => {
    const now = new Date();
    const existing = await h.db.collection('subscriptions').countDocuments({ ordering: { $exists: true } });
    // Spread over tenants, so that no tenant reaches its own share first.
    const docs = Array.from({ length: CONTROLLED_SUBSCRIPTIONS_MAX - existing }, (_, i) => ({
      _id: `sub_cap${i}`,
      tenant: `cap${i % 20}`,
      url: valid.url,
      eventTypes: ['LIKED_PHOTO'],
      secret: 'whsec_x',
      enabled: true,
      ordering: 'fifo',
      createdAt: now,
      updatedAt: now,
    }));
    await h.db.collection('subscriptions').insertMany(docs as never[]);
    const res = await request(h.app)
      .post('/subscription')
      .send({ ...valid, rateLimit: 10 });
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe('too_many_controlled_subscriptions');
    // Without a control it is a subscription like any other.
    expect((await request(h.app).post('/subscription').send(valid)).status).toBe(201);
    await h.db.collection('subscriptions').deleteMany({ _id: { $in: docs.map((d) => d._id) } as never });
  });

  it('gives each tenant a share of the controlled subscriptions, so one cannot take them all', async () => {
    for (const id of ['ctlA', 'ctlB'])
      expect((await request(h.app).post('/tenants').send({ id, name: id })).status).toBe(201);
    const now = new Date();
    const share = h.config.MAX_CONTROLLED_SUBSCRIPTIONS_PER_TENANT;
    const docs = Array.from({ length: share }, (_, i) => ({
      _id: `sub_SHARE${String(i).padStart(21, '0')}`,
      tenant: 'ctlA',
      url: valid.url,
      eventTypes: ['LIKED_PHOTO'],
      secret: 'whsec_x',
      enabled: true,
      rateLimit: 5,
      createdAt: now,
      updatedAt: now,
    }));
    await h.db.collection('subscriptions').insertMany(docs as never[]);
    try {
      const created = await request(h.app)
        .post('/subscription')
        .send({ ...valid, tenant: 'ctlA', ordering: 'fifo' });
      expect(created.status).toBe(409);
      expect(created.body.error).toMatchObject({ code: 'too_many_controlled_subscriptions' });
      expect(created.body.error.message).toContain(`tenant ctlA may give at most ${share}`);
      // Nor can one of its plain subscriptions take a control by PATCH...
      const plain = await request(h.app)
        .post('/subscription')
        .send({ ...valid, tenant: 'ctlA' });
      expect(plain.status).toBe(201);
      const patched = await request(h.app).patch(`/subscription/${plain.body.id}`).send({ rateLimit: 10 });
      expect(patched.status).toBe(409);
      expect((await request(h.app).get(`/subscription/${plain.body.id}`)).body).not.toHaveProperty('rateLimit');
      // ...while a subscription that has one keeps its slot when its limit changes,
      const changed = await request(h.app).patch(`/subscription/${docs[0]?._id}`).send({ rateLimit: 7 });
      expect(changed.status).toBe(200);
      expect(changed.body.rateLimit).toBe(7);
      // and another tenant still has its own share.
      const other = await request(h.app)
        .post('/subscription')
        .send({ ...valid, tenant: 'ctlB', rateLimit: 10 });
      expect(other.status).toBe(201);
    } finally {
      await h.db.collection('subscriptions').deleteMany({ tenant: { $in: ['ctlA', 'ctlB'] } } as never);
    }
  });

  it('documents both fields in OpenAPI', async () => {
    const doc = (await request(h.app).get('/openapi.json')).body;
    const schemas = doc.components.schemas;
    expect(schemas.CreateSubscription.properties).toHaveProperty('rateLimit');
    expect(schemas.PatchSubscription.properties).toHaveProperty('ordering');
    expect(schemas.Subscription.properties).toHaveProperty('rateLimit');
  });
});
