import { type Receiver, startReceiver, waitFor } from '@hookline/testing';
import { Harness, subscription } from './support/harness';

describe('one hop: the fan-out consumer attempts narrow fan-outs itself', () => {
  const h = new Harness([300], { fanoutInlineMax: 2 });
  let receiver: Receiver;
  const tap = `${h.ns}.tap`;

  /** Messages published to the deliver queue's routing key so far (a tap queue bound beside it). */
  const tapped = () => h.broker.withChannel(async (ch) => (await ch.checkQueue(tap)).messageCount);

  beforeAll(async () => {
    receiver = await startReceiver();
    await h.start();
    await h.broker.withChannel(async (ch) => {
      await ch.assertQueue(tap, { autoDelete: false, durable: false });
      await ch.bindQueue(tap, h.names.deliveriesExchange, h.names.deliverRoutingKey);
    });
  });
  afterAll(async () => {
    await h.broker.withChannel((ch) => ch.deleteQueue(tap)).catch(() => {});
    await h.stop();
    await receiver.close();
  });

  it('delivers up to the threshold without a delivery message, and records each delivery before the ack', async () => {
    const a = subscription(`${receiver.url}/a`, ['narrow.event']);
    const b = subscription(`${receiver.url}/b`, ['narrow.event']);
    await h.publishChange(a);
    await h.publishChange(b);
    for (let i = 0; i < 20; i++) await h.publish('narrow.event', { i });
    await receiver.waitFor(40);
    await waitFor(
      async () => (await h.models.Delivery.countDocuments({ status: 'delivered', eventType: 'narrow.event' })) === 40,
    );
    // The events are acked: nothing left in the fan-out queue, and no delivery message was ever made.
    await waitFor(
      async () => (await h.broker.withChannel((ch) => ch.checkQueue(h.names.fanoutQueue))).messageCount === 0,
    );
    expect(await tapped()).toBe(0);
  });

  it('a fan-out wider than the threshold goes through the deliver queue, one message per delivery', async () => {
    receiver.requests.length = 0;
    const subs = [1, 2, 3].map((i) => subscription(`${receiver.url}/w${i}`, ['wide.event']));
    for (const s of subs) await h.publishChange(s);
    await h.publish('wide.event', {});
    const reqs = await receiver.waitFor(3);
    expect(new Set(reqs.map((r) => r.path))).toEqual(new Set(['/w1', '/w2', '/w3']));
    expect(await tapped()).toBe(3);
  });

  it('a failing first attempt goes to a retry queue and comes back through the deliver queue, same webhook-id', async () => {
    receiver.requests.length = 0;
    let calls = 0;
    receiver.respond((_req, res) => {
      calls += 1;
      res.writeHead(calls === 1 ? 503 : 200);
      res.end();
    });
    const s = subscription(`${receiver.url}/retry`, ['retry.event']);
    await h.publishChange(s);
    await h.publish('retry.event', {});
    const reqs = await receiver.waitFor(2, 10_000);
    expect(reqs[0]?.headers['webhook-id']).toBe(reqs[1]?.headers['webhook-id']);
    const id = String(reqs[0]?.headers['webhook-id']);
    await waitFor(async () => (await h.models.Delivery.findById(id).lean())?.status === 'delivered');
  });
});
