import { type Broker, BrokerUnavailableError, topologyFor, topologyNames } from '@hookline/broker';
import { EVENT_ENVELOPE_APP_ID } from '@hookline/contracts';
import { createLogger } from '@hookline/http';
import request from 'supertest';
import { createApp } from '../src';
import { createEventPublisher } from '../src/publisher';

/**
 * A broker that is connected but never confirms (a hung RabbitMQ) cannot be made on demand without
 * disturbing the shared server, so this unit test gives the publisher a stub whose confirm never
 * comes. Everything else is tested against the real RabbitMQ.
 */
function hungBroker(calls: unknown[][]): Broker {
  return {
    publish: (...args: unknown[]) => {
      calls.push(args);
      return new Promise<void>(() => {});
    },
    getMaxListeners: () => 0,
    requireTopology: () => topologyFor({ namespace: 'ns' }),
  } as unknown as Broker;
}

describe('createEventPublisher', () => {
  it('gives up with BrokerUnavailableError when no confirm comes within the wait', async () => {
    const calls: unknown[][] = [];
    const publisher = createEventPublisher(hungBroker(calls), topologyNames('ns'), 200);
    const started = Date.now();
    await expect(publisher.publish('LIKED_PHOTO', { photoId: '1' })).rejects.toBeInstanceOf(BrokerUnavailableError);
    expect(Date.now() - started).toBeGreaterThanOrEqual(190);
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('publishes the envelope to <ns>.events with the type as routing key, persistent, JSON', async () => {
    const calls: unknown[][] = [];
    const broker = {
      publish: (...args: unknown[]) => {
        calls.push(args);
        return Promise.resolve();
      },
    } as unknown as Broker;
    const event = await createEventPublisher(broker, topologyNames('ns')).publish('order_created', { a: 1 }, 'own-id');
    expect(event).toMatchObject({ id: 'own-id', type: 'order_created', data: { a: 1 } });
    const [exchange, key, content, options] = calls[0] as [string, string, Buffer, object];
    expect([exchange, key]).toEqual(['ns.events', 'order_created']);
    expect(JSON.parse(content.toString())).toEqual(event);
    // Tagged as an event Hookline validated: the dispatcher reads it without parsing it again.
    expect(options).toEqual({
      messageId: 'own-id',
      contentType: 'application/json',
      appId: EVENT_ENVELOPE_APP_ID,
      persistent: true,
    });
  });

  it('turns any other publish failure into BrokerUnavailableError', async () => {
    const broker = { publish: () => Promise.reject(new Error('channel closed')) } as unknown as Broker;
    await expect(createEventPublisher(broker, topologyNames('ns')).publish('x', null)).rejects.toMatchObject({
      name: 'BrokerUnavailableError',
      message: 'channel closed',
    });
  });
});

describe('a hung RabbitMQ over HTTP', () => {
  it('answers 503 broker_unavailable within 2 s', async () => {
    // /like touches neither MongoDB nor the config.
    const app = createApp({
      config: {} as never,
      broker: hungBroker([]),
      db: { models: {}, model: () => ({}) } as never,
      logger: createLogger('test', 'silent'),
    });
    const started = Date.now();
    const res = await request(app).post('/like/1');
    expect(Date.now() - started).toBeLessThan(2000);
    expect(res.status).toBe(503);
    expect(res.body.error.code).toBe('broker_unavailable');
  });
});
