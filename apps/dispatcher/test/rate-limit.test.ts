import { connectMongo } from '@hookline/runtime';
import { startReceiver, waitFor } from '@hookline/testing';
import { ControlsRun, eventNumber, maxInWindow } from './support/controls-run';
import { subscription } from './support/harness';

/**
 * `rateLimit: 20` with 1, 2 and 3 dispatcher processes: 200 events take at least 9.5 s to arrive and no
 * 1-second window at the receiver holds more than 20 (an exact bound: it is the guarantee).
 */
describe.each([1, 2, 3])('rate limit with %i dispatcher process(es)', (processes) => {
  it('200 events to rateLimit 20: at least 9.5 s, never more than 20 in any 1-second window, none missing', async () => {
    const EVENTS = 200;
    const LIMIT = 20;
    const receiver = await startReceiver();
    const run = new ControlsRun(`rl${processes}`);
    try {
      await run.start();
      const sub = subscription(`${receiver.url}/limited`, ['LIKED_PHOTO'], { rateLimit: LIMIT });
      await run.startWorkers(processes, [sub]);
      await run.publish(EVENTS);
      // Mid-run, what the limit holds back is `pending` and was never attempted (GET /deliveries reads these).
      await receiver.waitFor(40, 30_000);
      const db = await connectMongo(run.mongoUrl);
      try {
        const held = await waitFor(
          async () => db.collection('deliveries').countDocuments({ status: 'pending', attempts: 0 }),
          10_000,
          'held deliveries recorded',
        );
        expect(held).toBeGreaterThan(50);
      } finally {
        await db.close();
      }
      await waitFor(() => new Set(receiver.requests.map(eventNumber)).size === EVENTS, 60_000, 'every event delivered');
      const times = receiver.requests.map((r) => r.receivedAt);
      const spanMs = Math.max(...times) - Math.min(...times);
      const busiest = maxInWindow(times, 1000);
      console.log(
        `rate limit ${LIMIT}/s, ${processes} dispatcher(s): ${EVENTS} events over ${(spanMs / 1000).toFixed(2)} s ` +
          `(${((EVENTS - 1) / (spanMs / 1000)).toFixed(1)}/s), busiest 1-s window ${busiest}, ${receiver.requests.length} requests`,
      );
      expect(spanMs).toBeGreaterThanOrEqual(9500);
      expect(busiest).toBeLessThanOrEqual(LIMIT);
    } finally {
      await run.stop();
      await receiver.close();
    }
  }, 90_000);
});
