import { retryTiers, topologyNames } from '@hookline/broker';
import { createEnvelope, type DeliveryTask } from '@hookline/contracts';
import { deliverHandler } from '../src/delivery/deliver-handler';
import { InFlightLimiter } from '../src/delivery/in-flight';
import { logger, subscription } from './support/harness';

// A unit test of the park decision: the broker, store and deliverer are simple fakes that record.
describe('parking a slow receiver’s deliveries', () => {
  const names = topologyNames('unit');
  const schedule = [5000, 300_000];
  const sub = subscription('http://127.0.0.1:9/x');
  const published: Array<{ queue: string; parked: number; expiration?: string }> = [];
  const broker = {
    publish: async (_exchange: string, queue: string, content: Buffer, options: { expiration?: string }) => {
      const task = JSON.parse(content.toString()) as DeliveryTask;
      published.push({ queue, parked: task.parked, expiration: options.expiration });
    },
  };

  function handler(limiter: InFlightLimiter) {
    return deliverHandler({
      broker: broker as never,
      names,
      lookup: () => sub,
      store: { setStatus: async () => {}, recordAttempt: async () => {}, recordCreated: async () => {} } as never,
      deliverer: { send: async () => ({ status: 200, durationMs: 1, error: null, responseBody: null }) },
      control: { disable: async () => {} },
      scheduleMs: schedule,
      tiersMs: retryTiers(schedule),
      limiter,
      logger,
    });
  }

  async function deliver(limiter: InFlightLimiter, parked: number): Promise<void> {
    const task: DeliveryTask = {
      id: 'msg_p',
      eventId: 'e',
      subscriptionId: sub.id,
      attempt: 1,
      round: 0,
      parked,
      event: createEnvelope('X', {}),
    };
    const msg = { content: Buffer.from(JSON.stringify(task)), properties: {}, fields: {} };
    expect(await handler(limiter)(msg as never)).toBe('ack');
  }

  beforeEach(() => {
    published.length = 0;
  });

  it('a hanging receiver: 1 s in the park queue, then twice as long each time in a row, up to 8 s', async () => {
    const limiter = new InFlightLimiter(1, { slowAfterMs: 250, fastMs: 100 });
    await limiter.acquire(sub.id, Date.now() - 10_000); // its one slot has hung for 10 s
    for (const parked of [0, 1, 2, 5, 9]) await deliver(limiter, parked);
    expect(published).toEqual([
      { queue: names.parkQueue, parked: 1, expiration: undefined },
      { queue: names.retryQueue(6000), parked: 2, expiration: '2000' },
      { queue: names.retryQueue(6000), parked: 3, expiration: '4000' },
      { queue: names.retryQueue(10_000), parked: 6, expiration: '8000' },
      { queue: names.retryQueue(10_000), parked: 10, expiration: '8000' },
    ]);
  });

  it('a slow receiver that answers (oldest request 300 ms old): always the 1 s park, its slots free soon', async () => {
    const limiter = new InFlightLimiter(1, { slowAfterMs: 250, fastMs: 100 });
    await limiter.acquire(sub.id, Date.now() - 300);
    await deliver(limiter, 5);
    expect(published).toEqual([{ queue: names.parkQueue, parked: 6, expiration: undefined }]);
  });
});
