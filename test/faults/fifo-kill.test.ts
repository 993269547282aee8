import { startReceiver, waitFor } from '@hookline/testing';
import { ControlsRun, eventNumber, failingEvent } from '../../apps/dispatcher/test/support/controls-run';

/**
 * kill -9 of a dispatcher in the middle of a FIFO subscription's 300 events (2 dispatcher processes,
 * the receiver failing the 10th twice): nothing skipped, nothing out of order; the only repeat
 * allowed is the head that was in flight, with its same webhook-id.
 */
it('FIFO across kill -9 of the active dispatcher: 300 events in publish order, none missing', async () => {
  const EVENTS = 300;
  const KILL_AT = 120;
  const receiver = await startReceiver();
  // A few ms per request, so the kill lands in the middle of the sequence.
  receiver.respond(failingEvent(9, 2, 5));
  const run = new ControlsRun('fifokill');
  try {
    await run.start();
    const sub = await run.fifoSubscription(`${receiver.url}/fifo`);
    // The first to subscribe is the queue's active consumer: that is the one killed.
    await run.startWorkers(2, [sub]);
    await run.publish(EVENTS);
    await receiver.waitFor(KILL_AT, 60_000);
    run.workers[0]?.kill('SIGKILL');
    const atKill = receiver.requests.length;
    await waitFor(() => new Set(receiver.requests.map(eventNumber)).size === EVENTS, 90_000, 'every event delivered');
    const order = receiver.requests.map(eventNumber);
    const repeats = order.length - EVENTS - 2;
    console.log(`FIFO kill -9: killed after ${atKill} requests; ${EVENTS} events in order, ${repeats} repeat(s)`);
    const steps = order.slice(1).map((n, i) => n - (order[i] as number));
    expect(steps.filter((d) => d !== 0 && d !== 1)).toEqual([]);
    expect(order[0]).toBe(0);
    expect(repeats).toBeLessThanOrEqual(1);
    const ids = new Map<number, Set<string>>();
    for (const r of receiver.requests) {
      const set = ids.get(eventNumber(r)) ?? new Set<string>();
      set.add(String(r.headers['webhook-id']));
      ids.set(eventNumber(r), set);
    }
    expect([...ids.values()].filter((s) => s.size !== 1)).toEqual([]);
  } finally {
    await run.stop();
    await receiver.close();
  }
}, 150_000);
