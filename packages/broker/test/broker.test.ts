import { spawnSync } from 'node:child_process';
import {
  closeConnections,
  deleteNamespace,
  managementGet,
  RABBITMQ_URL,
  uniqueNamespace,
  waitFor,
} from '@hookline/testing';
import {
  Broker,
  BrokerUnavailableError,
  bindFifoQueue,
  type ConsumeOptions,
  declareTopology,
  retryTiers,
  tierFor,
  topologyNames,
  UnroutableMessageError,
} from '../src';
import { coalesceAmqpWrites } from '../src/write-coalescing';

describe('Broker against the real RabbitMQ', () => {
  const ns = uniqueNamespace('broker');
  const names = topologyNames(ns);
  const connectionName = `broker-test-${ns}`;
  const broker = new Broker({
    url: RABBITMQ_URL,
    name: connectionName,
    setup: async (ch) => {
      await declareTopology(ch, { namespace: ns, retryTiersMs: [200] });
    },
  });

  beforeAll(() => broker.start());
  afterAll(async () => {
    await broker.close();
    await deleteNamespace(ns);
  });

  /** A consumer of `queue` that acks every message and keeps its content, in order. */
  function collecting(queue: string, options: Partial<ConsumeOptions> = {}) {
    const got: string[] = [];
    const consumer = broker.consume(
      queue,
      async (m) => {
        got.push(m.content.toString());
        return 'ack';
      },
      { prefetch: 5, ...options },
    );
    return { got, consumer };
  }

  it('publishes with a confirm and consumes with manual acks, persistent and routed by type', async () => {
    const got: { key: string; persistent: boolean; body: string }[] = [];
    const consumer = broker.consume(
      names.fanoutQueue,
      async (msg) => {
        got.push({
          key: msg.fields.routingKey,
          persistent: msg.properties.deliveryMode === 2,
          body: msg.content.toString(),
        });
        return 'ack';
      },
      { prefetch: 10 },
    );
    await broker.publish(names.eventsExchange, 'LIKED_PHOTO', Buffer.from('{"a":1}'));
    await waitFor(() => got.length === 1);
    expect(got[0]).toEqual({ key: 'LIKED_PHOTO', persistent: true, body: '{"a":1}' });
    await consumer.stop();
  });

  it('a retry tier dead-letters back to the deliver queue after its TTL', async () => {
    const got: number[] = [];
    const consumer = broker.consume(
      names.deliverQueue,
      async () => {
        got.push(Date.now());
        return 'ack';
      },
      { prefetch: 1 },
    );
    const sent = Date.now();
    await broker.publish('', names.retryQueue(200), Buffer.from('x'), { expiration: '200' });
    await waitFor(() => got.length === 1, 5000);
    expect(got[0]! - sent).toBeGreaterThanOrEqual(180);
    await consumer.stop();
  });

  it('a rejected message lands in the dead queue instead of vanishing', async () => {
    const consumer = broker.consume(names.fanoutQueue, async () => 'reject', { prefetch: 1 });
    await broker.publish(names.eventsExchange, 'poison', Buffer.from('not json'));
    const dead: string[] = [];
    const deadConsumer = broker.consume(
      names.deadQueue,
      async (m) => {
        dead.push(m.content.toString());
        return 'ack';
      },
      {
        prefetch: 1,
      },
    );
    await waitFor(() => dead.length === 1, 5000);
    expect(dead).toEqual(['not json']);
    await consumer.stop();
    await deadConsumer.stop();
  });

  it('survives the connection being closed under it: consumers come back and the next publish succeeds', async () => {
    const { got, consumer } = collecting(names.fanoutQueue);
    expect(await closeConnections(connectionName)).toBeGreaterThan(0);
    await waitFor(() => !broker.connected, 5000, 'the broker to notice the close');
    await expect(broker.publish(names.eventsExchange, 'x', Buffer.from('during'))).rejects.toBeInstanceOf(
      BrokerUnavailableError,
    );
    await broker.waitUntilConnected(10_000);
    await broker.publish(names.eventsExchange, 'x', Buffer.from('after'));
    await waitFor(() => got.includes('after'), 10_000);
    await consumer.stop();
  });

  it('publishes and consumes on connections of their own: the consuming one lost, publishes are still confirmed', async () => {
    // Why two: RabbitMQ's memory and disk alarms block every connection that publishes, and acks sent on
    // a blocked connection wait with it; on their own connection consumers keep acking through an alarm.
    const { got, consumer } = collecting(names.fanoutQueue);
    await consumer.ready;
    const listed = async () =>
      (
        (await managementGet('/api/connections?columns=client_properties')) as {
          client_properties?: { connection_name?: string };
        }[]
      )
        .map((c) => c.client_properties?.connection_name ?? '')
        .filter((n) => n.startsWith(connectionName))
        .sort();
    await waitFor(async () => (await listed()).length === 2, 10_000, 'RabbitMQ to list both connections');
    expect(await listed()).toEqual([connectionName, `${connectionName} (consume)`]);

    expect(await closeConnections(`${connectionName} (consume)`)).toBe(1);
    await waitFor(() => broker.downConsumers().length > 0, 5000, 'the consumer to notice its connection closed');
    // The publishing side never noticed: a publish is confirmed while the consumer is away.
    await expect(broker.publish(names.eventsExchange, 'x', Buffer.from('consumer-away'))).resolves.toBeUndefined();
    await waitFor(() => got.includes('consumer-away'), 10_000, 'the consumer back on a new consuming connection');
    await consumer.stop();
  });

  it('an unroutable publish (an exchange with no bound queue) is an UnroutableMessageError, not a confirm', async () => {
    const lonely = `${ns}.lonely`;
    await broker.withChannel((ch) => ch.assertExchange(lonely, 'direct', { durable: false, autoDelete: false }));
    const returned = broker.publish(lonely, 'nobody', Buffer.from('lost?'));
    await expect(returned).rejects.toBeInstanceOf(UnroutableMessageError);
    // Callers treat it as every other "not published": a 503, the message given back.
    await expect(returned).rejects.toBeInstanceOf(BrokerUnavailableError);
    // Only the returned one fails: a routable publish right after it on the same channel is confirmed.
    await expect(broker.publish(names.eventsExchange, 'x', Buffer.from('routed'))).resolves.toBeUndefined();
    // Unless the caller says a message nobody takes is fine.
    await expect(broker.publish(lonely, 'nobody', Buffer.from('fine'), { mandatory: false })).resolves.toBeUndefined();
  });

  it('a publish to a missing exchange fails, and the next publish still works', async () => {
    await expect(broker.publish(`${ns}.missing`, 'x', Buffer.from('x'))).rejects.toBeInstanceOf(BrokerUnavailableError);
    await waitFor(() => broker.connected, 5000, 'the publishing channel to reopen');
    await expect(broker.publish(names.eventsExchange, 'x', Buffer.from('after'))).resolves.toBeUndefined();
  });

  it('a consumer cancelled by RabbitMQ (its queue deleted) subscribes again', async () => {
    const { got, consumer } = collecting(names.fanoutQueue);
    await consumer.ready;
    expect(broker.downConsumers()).toEqual([]);
    await broker.withChannel((ch) => ch.deleteQueue(names.fanoutQueue));
    // Re-subscribed on a fresh channel after the topology is declared again: the queue is back.
    await waitFor(
      async () => {
        await broker.publish(names.eventsExchange, 'x', Buffer.from('after-delete')).catch(() => {});
        return got.includes('after-delete');
      },
      10_000,
      'a message published after the delete to be consumed',
    );
    expect(broker.downConsumers()).toEqual([]);
    await consumer.stop();
  });

  it('a consumer whose channel is closed under it (a channel error) subscribes again', async () => {
    const channels: import('amqplib').Channel[] = [];
    const { got, consumer } = collecting(names.deliverQueue, {
      declare: async (ch) => {
        channels.push(ch);
      },
    });
    await consumer.ready;
    // A passive declare of a missing queue is a channel error: RabbitMQ closes that channel.
    await channels[0]!.checkQueue(`${ns}.no-such-queue`).catch(() => {});
    await waitFor(() => channels.length === 2 && broker.downConsumers().length === 0, 10_000, 'a new channel');
    await broker.publish('', names.deliverQueue, Buffer.from('after-channel-error'));
    await waitFor(() => got.includes('after-channel-error'), 10_000, 'consumed on the new channel');
    await consumer.stop();
  });

  it('fails fast with BrokerUnavailableError when RabbitMQ cannot be reached', async () => {
    const dead = new Broker({ url: 'amqp://guest:guest@127.0.0.1:1' });
    const started = Date.now();
    await expect(dead.publish('x', 'y', Buffer.from(''))).rejects.toBeInstanceOf(BrokerUnavailableError);
    await expect(dead.waitUntilConnected(300)).rejects.toBeInstanceOf(BrokerUnavailableError);
    expect(Date.now() - started).toBeLessThan(2000);
    await dead.close();
  });
});

describe('QUEUE_TYPE=quorum', () => {
  const ns = uniqueNamespace('quorum');
  const names = topologyNames(ns);
  const broker = new Broker({
    url: RABBITMQ_URL,
    name: `quorum-test-${ns}`,
    setup: (ch) =>
      declareTopology(ch, { namespace: ns, queueType: 'quorum', retryTiersMs: [200] }).then(() => undefined),
  });
  beforeAll(() => broker.start());
  afterAll(async () => {
    await broker.close();
    await deleteNamespace(ns);
  });

  it('a retry whose delay ends while the deliver queue is unbound is kept in its tier (at-least-once), not dropped', async () => {
    const { deliverQueue, deliveriesExchange, deliverRoutingKey } = names;
    await broker.withChannel((ch) => ch.unbindQueue(deliverQueue, deliveriesExchange, deliverRoutingKey));
    try {
      await broker.publish('', names.retryQueue(200), Buffer.from('retry-1'));
      // Past the tier's 200 ms the message is dead-lettered; with nowhere to go, at-most-once (the
      // default) drops it, at-least-once keeps it aside in the source queue and forwards it once
      // its target is bound again (RabbitMQ retries that every few minutes).
      const retryQueueStats = () =>
        managementGet(`/api/queues/%2F/${encodeURIComponent(names.retryQueue(200))}`) as Promise<{
          messages_dlx?: number;
        }>;
      // The management API refreshes its statistics every few seconds.
      await waitFor(async () => (await retryQueueStats()).messages_dlx === 1, 20_000, 'the expired retry kept aside');
    } finally {
      await broker.withChannel((ch) => ch.bindQueue(deliverQueue, deliveriesExchange, deliverRoutingKey));
    }
  }, 45_000);

  it("declares a FIFO subscription's queue too: single active consumer beside at-least-once dead-lettering", async () => {
    await broker.withChannel((ch) =>
      bindFifoQueue(ch, { namespace: ns, subscriptionId: 'sub_q', eventTypes: ['LIKED_PHOTO'], queueType: 'quorum' }),
    );
    const got: string[] = [];
    const consumer = broker.consume(
      names.fifoQueue('sub_q'),
      async (m) => {
        got.push(m.content.toString());
        return 'ack';
      },
      { prefetch: 1 },
    );
    await broker.publish(names.eventsExchange, 'LIKED_PHOTO', Buffer.from('in-order'));
    await waitFor(() => got.includes('in-order'), 10_000, 'the event through the FIFO queue');
    await consumer.stop();
  });

  it('an event given back 30 times (an outage, restarts) stays in its queue, not in the dead queue', async () => {
    let returns = 0;
    const consumer = broker.consume(
      names.fanoutQueue,
      async (m) => {
        if (m.content.toString() !== 'held') return 'ack'; // another test's event on the fan-out queue
        returns += 1;
        return returns <= 30 ? 'requeue' : 'ack';
      },
      { prefetch: 1 },
    );
    await broker.publish(names.eventsExchange, 'LIKED_PHOTO', Buffer.from('held'));
    await waitFor(() => returns === 31, 20_000, 'the event handed out 31 times');
    await consumer.stop();
    const dead = await broker.withChannel((ch) => ch.checkQueue(names.deadQueue));
    expect(dead.messageCount).toBe(0);
  }, 30_000);
});

/** The node behind RABBITMQ_URL, for rabbitmqctl; undefined when RabbitMQ is not local. */
async function localRabbitNode(): Promise<string | undefined> {
  const overview = (await managementGet('/api/overview')) as { node?: string };
  const node = overview.node;
  if (!node || spawnSync('rabbitmqctl', ['-n', node, 'status'], { stdio: 'ignore' }).status !== 0) return undefined;
  return node;
}

interface NodeStats {
  mem_alarm?: boolean;
  disk_free_alarm?: boolean;
  disk_free?: number;
  disk_free_limit?: number;
}

describe('a RabbitMQ memory or disk alarm', () => {
  const ns = uniqueNamespace('alarm');
  const broker = new Broker({
    url: RABBITMQ_URL,
    name: `alarm-test-${ns}`,
    confirmTimeoutMs: 2000,
    setup: (ch) => declareTopology(ch, { namespace: ns }).then(() => undefined),
  });
  let node: string | undefined;
  const stats = async () => (await managementGet(`/api/nodes/${encodeURIComponent(node!)}`)) as NodeStats;
  const rabbitmqctl = (...args: string[]) => expect(spawnSync('rabbitmqctl', ['-n', node!, ...args]).status).toBe(0);

  /** How to raise each alarm on the test node, and how to put the node back as it was. */
  const alarms = {
    memory: {
      on: async () => rabbitmqctl('set_vm_memory_high_watermark', '0.0000001'),
      off: async () => rabbitmqctl('set_vm_memory_high_watermark', '0.4'),
      raised: (n: NodeStats) => n.mem_alarm === true,
    },
    disk: {
      limitBefore: 0,
      async on() {
        const n = await stats();
        this.limitBefore = n.disk_free_limit ?? 50_000_000;
        rabbitmqctl('set_disk_free_limit', String((n.disk_free ?? 0) * 10));
      },
      async off() {
        rabbitmqctl('set_disk_free_limit', String(this.limitBefore || 50_000_000));
      },
      raised: (n: NodeStats) => n.disk_free_alarm === true,
    },
  };

  beforeAll(async () => {
    await broker.start();
    node = await localRabbitNode();
  });
  afterAll(async () => {
    await broker.close();
    await deleteNamespace(ns);
  }, 60_000);

  it.each(['memory', 'disk'] as const)(
    'a %s alarm blocks publishing, not consuming: acks keep flowing while a publish waits',
    async (kind) => {
      if (!node) throw new Error('this test needs rabbitmqctl for the RabbitMQ behind RABBITMQ_URL');
      const alarm = alarms[kind];
      const queue = `${ns}.alarm-${kind}`;
      await broker.withChannel((ch) => ch.assertQueue(queue, { durable: true }));
      const queued = 20;
      for (let i = 0; i < queued; i++) await broker.publish('', queue, Buffer.from(`m${i}`));
      const pullQueue = `${ns}.pull-${kind}`;
      await broker.withChannel((ch) => ch.assertQueue(pullQueue, { durable: true }));
      await broker.publish('', pullQueue, Buffer.from('pull-me'));
      let release = () => {};
      const gate = new Promise<void>((r) => {
        release = r;
      });
      const got: string[] = [];
      // Prefetch 1: every next message needs the previous one's ack to reach RabbitMQ.
      const consumer = broker.consume(
        queue,
        async (m) => {
          await gate;
          got.push(m.content.toString());
          return 'ack';
        },
        { prefetch: 1 },
      );
      await consumer.ready;
      try {
        await alarm.on();
        await waitFor(async () => alarm.raised(await stats()), 30_000, `the ${kind} alarm`);
        // A publish during the alarm: RabbitMQ stops reading from the connection that sent it.
        await expect(broker.publish('', queue, Buffer.from('during-alarm'))).rejects.toBeInstanceOf(
          BrokerUnavailableError,
        );
        release();
        await waitFor(() => got.length === queued, 15_000, 'every queued message consumed and acked during the alarm');
        expect(got).toEqual(Array.from({ length: queued }, (_, i) => `m${i}`));
        // A pull on a short-lived channel (the gateway's consume routes) takes and acks too.
        const pulled = broker.withConsumingChannel(async (ch) => {
          const m = await ch.get(pullQueue, { noAck: false });
          if (m) ch.ack(m);
          return m ? m.content.toString() : undefined;
        });
        const tooLate = new Promise((r) => setTimeout(() => r('no answer within 5 s'), 5000).unref());
        expect(await Promise.race([pulled, tooLate])).toBe('pull-me');
      } finally {
        release();
        await alarm.off();
        await waitFor(async () => !alarm.raised(await stats()), 30_000, 'the alarm to clear');
        await consumer.stop();
      }
    },
    90_000,
  );
});

describe('write coalescing', () => {
  it('finds the amqplib internal it wraps (a newer amqplib without it would silently lose the batching)', () => {
    expect(coalesceAmqpWrites()).toBe(true);
  });
});

describe('retry tiers', () => {
  it('has a jitter-ceiling tier and a Retry-After-ceiling tier per scheduled delay', () => {
    expect(retryTiers([5000, 300_000])).toEqual([6000, 10_000, 360_000, 600_000]);
  });
  it('puts a delay in the smallest tier that can hold it', () => {
    const tiers = retryTiers([5000, 300_000]);
    expect(tierFor(4000, tiers)).toBe(6000);
    expect(tierFor(6000, tiers)).toBe(6000);
    expect(tierFor(7000, tiers)).toBe(10_000);
    expect(tierFor(10_000_000, tiers)).toBe(600_000);
  });
});
