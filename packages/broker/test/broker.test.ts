import { closeConnections, deleteNamespace, RABBITMQ_URL, uniqueNamespace, waitFor } from '@hookline/testing';
import { Broker, BrokerUnavailableError, declareTopology, retryTiers, tierFor, topologyNames } from '../src';
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
    const got: string[] = [];
    const consumer = broker.consume(
      names.fanoutQueue,
      async (m) => {
        got.push(m.content.toString());
        return 'ack';
      },
      {
        prefetch: 5,
      },
    );
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

  it('fails fast with BrokerUnavailableError when RabbitMQ cannot be reached', async () => {
    const dead = new Broker({ url: 'amqp://guest:guest@127.0.0.1:1' });
    const started = Date.now();
    await expect(dead.publish('x', 'y', Buffer.from(''))).rejects.toBeInstanceOf(BrokerUnavailableError);
    await expect(dead.waitUntilConnected(300)).rejects.toBeInstanceOf(BrokerUnavailableError);
    expect(Date.now() - started).toBeLessThan(2000);
    await dead.close();
  });
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
