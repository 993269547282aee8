import { startReceiver, waitFor } from '@hookline/testing';
import { ControlsRun, eventNumber, failingEvent } from './support/controls-run';

/**
 * A FIFO subscription with 2 dispatcher processes: 300 events, the receiver fails the 10th twice;
 * everything arrives in publish order (a retried head repeats, nothing overtakes it), none missing.
 */
it('FIFO with 2 dispatchers: 300 events in publish order, the 10th failing twice blocks the rest until it succeeds', async () => {
  const EVENTS = 300;
  const receiver = await startReceiver();
  receiver.respond(failingEvent(9, 2));
  const run = new ControlsRun('fifo2');
  try {
    await run.start();
    const sub = await run.fifoSubscription(`${receiver.url}/fifo`);
    await run.startWorkers(2, [sub]);
    const started = Date.now();
    await run.publish(EVENTS);
    await waitFor(() => new Set(receiver.requests.map(eventNumber)).size === EVENTS, 90_000, 'every event delivered');
    const order = receiver.requests.map(eventNumber);
    console.log(
      `FIFO, 2 dispatchers: ${EVENTS} events in ${((Date.now() - started) / 1000).toFixed(1)} s, ${order.length} requests`,
    );
    // In order: each request carries the same event as the one before (a retry) or the next one.
    const steps = order.slice(1).map((n, i) => n - (order[i] as number));
    expect(steps.filter((d) => d !== 0 && d !== 1)).toEqual([]);
    expect(order[0]).toBe(0);
    expect(order.filter((n) => n === 9)).toHaveLength(3);
    expect(order.length).toBe(EVENTS + 2);
  } finally {
    await run.stop();
    await receiver.close();
  }
}, 120_000);
