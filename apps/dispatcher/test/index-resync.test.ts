import { UnroutableMessageError } from '@hookline/broker';
import { createEnvelope, type DeliveryTask, newId } from '@hookline/contracts';
import { closeConnections, type Receiver, startReceiver, waitFor } from '@hookline/testing';
import { Harness, subscription } from './support/harness';

/**
 * The dispatcher's index of subscriptions stays current when its change feed misses changes (the
 * feed's queue is exclusive: a reconnect makes a new one), and deliveries paused by a disable are
 * resumed by whichever instance sees the subscription enabled, feed or snapshot.
 */

function taskFor(subscriptionId: string, type = 'resync.event'): DeliveryTask {
  const event = createEnvelope(type, { n: 1 });
  return { id: newId('msg'), eventId: event.id, subscriptionId, attempt: 1, round: 0, parked: 0, event };
}

async function statusOf(h: Harness, id: string): Promise<string | undefined> {
  return (await h.models.Delivery.findById(id).lean())?.status;
}

describe('the subscription index after a RabbitMQ reconnect (no resync timer in reach: 60 s)', () => {
  const h = new Harness([200]);
  let receiver: Receiver;

  beforeAll(async () => {
    receiver = await startReceiver();
    await h.start();
  });
  afterAll(async () => {
    await h.stop();
    await receiver.close();
  });

  it('a subscription whose change was published while the feed had no queue receives the next event', async () => {
    const sub = subscription(`${receiver.url}/reconnect`, ['resync.event']);
    // The subscription service has it; its change message went nowhere (the feed's queue was gone).
    h.snapshot.push(sub);
    expect(await closeConnections(`dispatcher-test-${h.ns} (consume)`)).toBeGreaterThan(0);
    const event = await waitFor(
      () => h.publish('resync.event', { n: 1 }).catch(() => undefined),
      10_000,
      'the event published',
    );
    const [got] = await receiver.waitFor(1, 10_000);
    expect(got?.path).toBe('/reconnect');
    expect(got?.headers['webhook-id']).toBeDefined();
    expect(JSON.parse(got?.body ?? '{}').type).toBe(event.type);
  });

  it('a delivery naming a subscription this instance does not know yet is delivered after a snapshot read, not failed', async () => {
    const sub = subscription(`${receiver.url}/unknown`, ['resync.event']);
    h.snapshot.push(sub);
    const task = taskFor(sub.id);
    await h.broker.publish('', h.names.deliverQueue, Buffer.from(JSON.stringify(task)));
    await waitFor(() => receiver.requests.find((r) => r.path === '/unknown'), 10_000, 'the delivery');
    await waitFor(async () => (await statusOf(h, task.id)) === 'delivered', 5000, 'recorded delivered');
  });

  it('while the snapshot cannot be read, such a delivery is given back and retried, never failed', async () => {
    const sub = subscription(`${receiver.url}/snapshot-down`, ['resync.event']);
    h.snapshot.push(sub);
    h.snapshotDown = true;
    const task = taskFor(sub.id);
    try {
      const readsBefore = h.snapshotReads;
      await h.broker.publish('', h.names.deliverQueue, Buffer.from(JSON.stringify(task)));
      // Several reads: the delivery came back from RabbitMQ and asked again each time.
      await waitFor(() => h.snapshotReads >= readsBefore + 3, 15_000, 'the delivery retried');
      expect(await statusOf(h, task.id)).toBeUndefined();
    } finally {
      h.snapshotDown = false;
    }
    await waitFor(() => receiver.requests.find((r) => r.path === '/snapshot-down'), 15_000, 'the delivery');
    await waitFor(async () => (await statusOf(h, task.id)) === 'delivered', 5000, 'recorded delivered');
  });

  it('a delivery naming a subscription that no snapshot has is failed as deleted', async () => {
    const task = taskFor(newId('sub'));
    await h.broker.publish('', h.names.deliverQueue, Buffer.from(JSON.stringify(task)));
    await waitFor(async () => (await statusOf(h, task.id)) === 'failed', 10_000, 'recorded failed');
    expect((await h.models.Delivery.findById(task.id).lean())?.lastError).toBe('the subscription was deleted');
  });
});

describe('paused deliveries (snapshot re-read every 300 ms)', () => {
  const h = new Harness([200], { resyncMs: 300 });
  let receiver: Receiver;

  beforeAll(async () => {
    receiver = await startReceiver();
    await h.start();
  });
  afterAll(async () => {
    await h.stop();
    await receiver.close();
  });

  /** A disabled subscription with one delivery paused. */
  async function pausedDelivery(path: string) {
    const sub = subscription(`${receiver.url}${path}`, ['resync.event'], { enabled: false });
    h.snapshot.push(sub);
    await h.publishChange(sub);
    const task = taskFor(sub.id);
    await h.broker.publish('', h.names.deliverQueue, Buffer.from(JSON.stringify(task)));
    await waitFor(async () => (await statusOf(h, task.id)) === 'paused', 10_000, 'paused');
    return { sub, task };
  }

  function enableInSnapshot(id: string): void {
    const i = h.snapshot.findIndex((s) => s.id === id);
    const sub = h.snapshot[i]!;
    h.snapshot[i] = { ...sub, enabled: true, version: sub.version + 10 };
  }

  it('are resumed when a snapshot (no change message) shows their subscription enabled', async () => {
    const { task } = await pausedDelivery('/snapshot-enabled');
    enableInSnapshot(task.subscriptionId);
    await waitFor(() => receiver.requests.find((r) => r.path === '/snapshot-enabled'), 10_000, 'resumed delivery');
    await waitFor(async () => (await statusOf(h, task.id)) === 'delivered', 5000, 'recorded delivered');
  });

  it('a requeue whose message RabbitMQ does not take leaves the delivery paused, and the next trigger resumes it', async () => {
    const { task } = await pausedDelivery('/requeue-unroutable');
    const { deliverQueue, deliveriesExchange, deliverRoutingKey } = h.names;
    await h.broker.withChannel((ch) => ch.unbindQueue(deliverQueue, deliveriesExchange, deliverRoutingKey));
    try {
      await expect(h.requeuer.requeueAll(task.subscriptionId, 'paused')).rejects.toBeInstanceOf(UnroutableMessageError);
      // Not marked pending with no message behind it: still paused, and not held by a claim.
      const doc = await h.models.Delivery.findById(task.id).lean();
      expect(doc?.status).toBe('paused');
      expect(doc?.claimedUntil ?? null).toBeNull();
    } finally {
      await h.broker.withChannel((ch) => ch.bindQueue(deliverQueue, deliveriesExchange, deliverRoutingKey));
    }
    enableInSnapshot(task.subscriptionId);
    await waitFor(() => receiver.requests.find((r) => r.path === '/requeue-unroutable'), 10_000, 'resumed delivery');
    await waitFor(async () => (await statusOf(h, task.id)) === 'delivered', 5000, 'recorded delivered');
  });
});
