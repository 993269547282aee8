import { nothingMoreHappensWithin, type Receiver, startReceiver, waitFor } from '@hookline/testing';
import { Webhook } from 'standardwebhooks';
import { Harness, subscription } from './support/harness';

describe('dispatcher delivery (real RabbitMQ, test MongoDB, local receivers)', () => {
  const h = new Harness([300, 600]);
  let receiver: Receiver;

  beforeAll(async () => {
    receiver = await startReceiver();
    await h.start();
  });
  afterAll(async () => {
    await h.stop();
    await receiver.close();
  });
  beforeEach(() => {
    receiver.requests.length = 0;
    receiver.respond((_req, res) => {
      res.writeHead(200);
      res.end('ok');
    });
  });

  it('delivers {type, timestamp, data} signed so the reference verifier accepts it, and records it', async () => {
    const sub = subscription(`${receiver.url}/hook`);
    await h.publishChange(sub);
    const event = await h.publish('LIKED_PHOTO', { photoId: '123' });
    const [req] = await receiver.waitFor(1);
    expect(req?.path).toBe('/hook');
    expect(JSON.parse(req!.body)).toEqual({
      type: 'LIKED_PHOTO',
      timestamp: event.timestamp,
      data: { photoId: '123' },
    });
    expect(req?.headers['content-type']).toBe('application/json');
    expect(req?.headers['user-agent']).toMatch(/^Hookline\//);
    expect(() => new Webhook(sub.secret).verify(req!.body, req!.headers as Record<string, string>)).not.toThrow();
    const id = req?.headers['webhook-id'] as string;
    const doc = await waitFor(async () => {
      const d = await h.models.Delivery.findById(id).lean();
      return d?.status === 'delivered' ? d : undefined;
    });
    expect(doc).toMatchObject({ eventId: event.id, subscriptionId: sub.id, attempts: 1 });
  });

  it('a subscription created just before an event receives it', async () => {
    const sub = subscription(`${receiver.url}/fresh`, ['user_registered']);
    await h.publishChange(sub);
    await h.publish('user_registered', { username: 'ada' });
    const reqs = await receiver.waitFor(1);
    expect(reqs.map((r) => r.path)).toContain('/fresh');
  });

  it('a receiver failing twice then answering 200 gets three attempts with one webhook-id', async () => {
    let calls = 0;
    receiver.respond((_req, res) => {
      calls += 1;
      res.writeHead(calls <= 2 ? 500 : 200);
      res.end(calls <= 2 ? 'boom' : 'ok');
    });
    const sub = subscription(`${receiver.url}/flaky`, ['flaky.event']);
    sub.eventTypes = ['flaky.event'];
    await h.publishChange(sub);
    await h.publish('flaky.event', { n: 1 });
    const reqs = await receiver.waitFor(3, 10_000);
    expect(new Set(reqs.map((r) => r.headers['webhook-id'])).size).toBe(1);
    const id = reqs[0]?.headers['webhook-id'] as string;
    const attempts = await waitFor(async () => {
      const a = (await h.models.Delivery.findById(id).lean())?.attemptLog ?? [];
      return a.length === 3 ? a : undefined;
    });
    expect(attempts.map((a) => a.statusCode)).toEqual([500, 500, 200]);
    expect(attempts[0]?.responseBody).toBe('boom');
    expect((await h.models.Delivery.findById(id).lean())?.status).toBe('delivered');
  });

  it('exhausted attempts mark the delivery failed, its record the dead letter: nothing piles up in the dead queue', async () => {
    receiver.respond((_req, res) => {
      res.writeHead(500);
      res.end();
    });
    const sub = subscription(`${receiver.url}/down`, ['doomed.event']);
    await h.publishChange(sub);
    await h.publish('doomed.event', {});
    const reqs = await receiver.waitFor(3, 10_000);
    const id = reqs[0]?.headers['webhook-id'] as string;
    await waitFor(
      async () => (await h.models.Delivery.findById(id).lean())?.status === 'failed',
      10_000,
      'failed status',
    );
    // The dead queue keeps only what has no record (poison messages); nothing consumes it, so a copy of
    // every failed delivery would grow it without bound.
    const dead = await h.broker.withChannel(async (ch) => ch.checkQueue(h.names.deadQueue));
    expect(dead.messageCount).toBe(0);
    expect(receiver.requests).toHaveLength(3);
  });

  it('410 Gone disables the subscription and stops its deliveries', async () => {
    receiver.respond((_req, res) => {
      res.writeHead(410);
      res.end();
    });
    const sub = subscription(`${receiver.url}/gone`, ['gone.event']);
    await h.publishChange(sub);
    await h.publish('gone.event', {});
    await waitFor(() => h.disabled.find((d) => d.id === sub.id));
    expect(h.disabled.find((d) => d.id === sub.id)?.reason).toMatch(/410/);
    await h.publish('gone.event', {});
    await nothingMoreHappensWithin(500);
    expect(receiver.requests).toHaveLength(1);
  });

  it('honours Retry-After on 429, clamped to twice the scheduled delay', async () => {
    let calls = 0;
    receiver.respond((_req, res) => {
      calls += 1;
      if (calls === 1) {
        res.writeHead(429, { 'retry-after': '1' });
        res.end();
      } else {
        res.writeHead(200);
        res.end();
      }
    });
    const sub = subscription(`${receiver.url}/throttled`, ['throttled.event']);
    await h.publishChange(sub);
    await h.publish('throttled.event', {});
    const reqs = await receiver.waitFor(2, 10_000);
    const gap = reqs[1]!.receivedAt - reqs[0]!.receivedAt;
    // Asked 1000 ms, scheduled 300 ms: clamped to 600 ms.
    expect(gap).toBeGreaterThanOrEqual(550);
    expect(gap).toBeLessThan(1000);
  });

  it('signs with both secrets during a rotation', async () => {
    const oldSecret = subscription('x').secret;
    const sub = subscription(`${receiver.url}/rotated`, ['rotated.event'], {
      previousSecret: oldSecret,
      previousSecretExpiresAt: new Date(Date.now() + 3600_000).toISOString(),
    });
    await h.publishChange(sub);
    await h.publish('rotated.event', {});
    const [req] = await receiver.waitFor(1);
    const headers = req!.headers as Record<string, string>;
    expect(headers['webhook-signature']?.split(' ')).toHaveLength(2);
    expect(() => new Webhook(oldSecret).verify(req!.body, headers)).not.toThrow();
    expect(() => new Webhook(sub.secret).verify(req!.body, headers)).not.toThrow();
  });
});
