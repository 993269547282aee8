import { assembleApp, OpenAPIRegistry, projectAccess } from '@hookline/http';
import { nothingMoreHappensWithin, type Receiver, sleep, startReceiver, waitFor } from '@hookline/testing';
import { Router } from 'express';
import request from 'supertest';
import { deliveryRoutes } from '../src/routes/deliveries';
import { Harness, logger, subscription } from './support/harness';

const status = (code: number) => (_req: unknown, res: import('node:http').ServerResponse) => {
  res.writeHead(code);
  res.end();
};

describe('dispatcher operations: replay and recovery', () => {
  const h = new Harness([200]);
  let receiver: Receiver;
  let app: ReturnType<typeof assembleApp>;

  beforeAll(async () => {
    receiver = await startReceiver();
    await h.start();
    const router = Router();
    deliveryRoutes({
      router,
      openapi: new OpenAPIRegistry(),
      access: projectAccess({
        apiKeys: [],
        // No tenant tokens in these tests: any token is refused as unknown.
        tenantTokens: { secret: 'test-secret-of-at-least-32-characters', state: { tenant: async () => undefined } },
      }),
      models: h.models,
      requeuer: h.requeuer,
      subscriptionTenant: (id) => h.worker.index.get(id)?.tenant ?? (h.worker.index.get(id) ? 'default' : undefined),
    });
    app = assembleApp({ modules: [{ router }], logger, title: 't' });
  });
  afterAll(async () => {
    await h.stop();
    await receiver.close();
  });
  beforeEach(() => {
    receiver.requests.length = 0;
  });

  async function failedDelivery(type: string, path: string): Promise<string> {
    receiver.respond(status(500));
    const sub = subscription(`${receiver.url}${path}`, [type]);
    await h.publishChange(sub);
    await h.publish(type, {});
    const reqs = await receiver.waitFor(2, 10_000);
    const id = String(reqs[0]?.headers['webhook-id']);
    await waitFor(async () => (await h.models.Delivery.findById(id).lean())?.status === 'failed', 10_000, 'failed');
    return id;
  }

  it('answers 409 to replaying a delivery whose subscription was deleted, and keeps its record', async () => {
    receiver.respond(status(200));
    const sub = subscription(`${receiver.url}/gone`, ['gone.event']);
    await h.publishChange(sub);
    await h.publish('gone.event', {});
    const [req] = await receiver.waitFor(1, 10_000);
    const id = String(req?.headers['webhook-id']);
    await waitFor(
      async () => (await h.models.Delivery.findById(id).lean())?.status === 'delivered',
      10_000,
      'delivered',
    );
    await h.publishDeletion(sub.id);
    await waitFor(() => h.worker.index.get(sub.id) === undefined || undefined, 10_000, 'the deletion applied');
    const res = await request(app).post(`/deliveries/${id}/replay`).set('Content-Type', 'application/json');
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe('subscription_deleted');
    const after = await h.models.Delivery.findById(id).lean();
    expect(after?.status).toBe('delivered');
    expect(after?.rounds ?? 0).toBe(0);
    expect(receiver.requests).toHaveLength(1);
  });

  it('replays a failed delivery after the receiver is fixed, with the same webhook-id', async () => {
    const id = await failedDelivery('replay.event', '/replay');
    receiver.respond(status(200));
    const res = await request(app).post(`/deliveries/${id}/replay`).set('Content-Type', 'application/json').expect(202);
    expect(res.body).toMatchObject({ id, status: 'pending', round: 1 });
    await receiver.waitFor(3);
    expect(receiver.requests[2]?.headers['webhook-id']).toBe(id);
    await waitFor(async () => (await h.models.Delivery.findById(id).lean())?.status === 'delivered', 5000, 'delivered');
    const detail = await request(app).get(`/deliveries/${id}`).expect(200);
    expect(detail.body.attempts.map((a: { round: number; statusCode: number }) => [a.round, a.statusCode])).toEqual([
      [0, 500],
      [0, 500],
      [1, 200],
    ]);
    // A delivered one can be replayed too.
    await request(app).post(`/deliveries/${id}/replay`).set('Content-Type', 'application/json').expect(202);
    await receiver.waitFor(4);
  });

  it('answers 404 for an unknown delivery and 400 for a malformed id or window', async () => {
    await request(app).post('/deliveries/msg_nope/replay').set('Content-Type', 'application/json').expect(404);
    const bad = await request(app)
      .post('/deliveries/not-an-id!/replay')
      .set('Content-Type', 'application/json')
      .expect(400);
    expect(bad.body.error.code).toBe('invalid_id');
    const unknown = 'sub_01M89QWRT5F0VB4J27B8XKEPVZ';
    await request(app).post('/subscription/bad/recover').send({ since: '2026-11-25T00:00:00Z' }).expect(400);
    await request(app).post(`/subscription/${unknown}/recover`).send({ since: '2026-11-25T00:00:00Z' }).expect(404);
    const known = subscription('http://127.0.0.1:9/x', ['known.event']);
    await h.publishChange(known);
    await waitFor(() => h.worker.index.get(known.id));
    const window = await request(app)
      .post(`/subscription/${known.id}/recover`)
      .send({ since: 'yesterday' })
      .expect(400);
    expect(window.body.error.details[0].field).toBe('since');
    // A cursor that is no date, bracket syntax and malformed filters are 400s, never a 500 or an ignored filter.
    await request(app).get('/deliveries?cursor=99999999999999999999_x').expect(400);
    await request(app).get('/deliveries?status[]=failed').expect(400);
    await request(app).get('/deliveries?subscriptionId=bad').expect(400);
  });

  it('recovery re-queues exactly the failed deliveries in the window', async () => {
    receiver.respond(status(500));
    const sub = subscription(`${receiver.url}/recover`, ['recover.event']);
    await h.publishChange(sub);
    await h.publish('recover.event', { batch: 1 });
    await receiver.waitFor(2, 10_000);
    await waitFor(
      async () => (await h.models.Delivery.countDocuments({ subscriptionId: sub.id, status: 'failed' })) === 1,
    );
    const since = new Date().toISOString();
    await h.publish('recover.event', { batch: 2 });
    await h.publish('recover.event', { batch: 2 });
    await receiver.waitFor(6, 10_000);
    await waitFor(
      async () => (await h.models.Delivery.countDocuments({ subscriptionId: sub.id, status: 'failed' })) === 3,
    );
    receiver.requests.length = 0;
    receiver.respond(status(200));
    const res = await request(app).post(`/subscription/${sub.id}/recover`).send({ since }).expect(202);
    expect(res.body).toEqual({ recovered: 2 });
    const reqs = await receiver.waitFor(2);
    await nothingMoreHappensWithin(300);
    expect(reqs.map((r) => JSON.parse(r.body).data.batch)).toEqual([2, 2]);
    expect(receiver.requests).toHaveLength(2);
  });
});

describe('dispatcher operations: auto-disable and resume', () => {
  // DISABLE_AFTER_HOURS as a fraction: 400 ms.
  const h = new Harness([200], { disableAfterMs: 400 });
  let receiver: Receiver;

  beforeAll(async () => {
    receiver = await startReceiver();
    await h.start();
  });
  afterAll(async () => {
    await h.stop();
    await receiver.close();
  });

  it('auto-disables a subscription failing continuously past the limit, pauses its deliveries, resumes them on re-enable', async () => {
    receiver.respond(status(500));
    const sub = subscription(`${receiver.url}/auto`, ['auto.event']);
    await h.publishChange(sub);
    await h.publish('auto.event', { n: 1 });
    await receiver.waitFor(2, 10_000);
    // Time passing is the point: the subscription keeps failing past the 400 ms limit.
    await sleep(450);
    await h.publish('auto.event', { n: 2 });
    await waitFor(() => h.disabled.find((d) => d.id === sub.id), 10_000, 'auto-disable');
    expect(h.disabled.find((d) => d.id === sub.id)?.reason).toMatch(/failed continuously since/);
    // The retry of event 2 comes due while disabled: paused, not attempted.
    await waitFor(
      async () => (await h.models.Delivery.countDocuments({ subscriptionId: sub.id, status: 'paused' })) === 1,
      10_000,
      'paused',
    );
    const before = receiver.requests.length;
    receiver.respond(status(200));
    // A later write than the disable (versions are the subscription service's write times).
    const disabledVersion = h.worker.index.get(sub.id)?.version ?? sub.version;
    await h.publishChange({ ...sub, enabled: true, version: disabledVersion + 1 });
    await receiver.waitFor(before + 1, 10_000);
    await waitFor(
      async () => (await h.models.Delivery.countDocuments({ subscriptionId: sub.id, status: 'delivered' })) === 1,
      5000,
      'resumed',
    );
  });
});
