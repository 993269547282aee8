import type { ServerResponse } from 'node:http';
import { startReceiver } from '@hookline/testing';
import { Harness, subscription } from './support/harness';

function p99(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * 0.99))] ?? 0;
}

describe('slow-endpoint isolation', () => {
  it('a receiver that never answers does not delay a healthy one', async () => {
    const EVENTS = 200;
    const h = new Harness([60_000], { timeoutMs: 1500, maxInFlightPerSubscription: 10 });
    const fast = await startReceiver();
    const hanging = await startReceiver();
    const held: ServerResponse[] = [];
    hanging.respond((_req, res) => held.push(res));
    await h.start();
    try {
      await h.publishChange(subscription(`${fast.url}/fast`, ['fast.event']));
      const latencies = async (count: number) => {
        const start = fast.requests.length;
        const sentAt = new Map<number, number>();
        for (let i = 0; i < count; i++) {
          sentAt.set(i, Date.now());
          await h.publish('fast.event', { i });
          await new Promise((r) => setTimeout(r, 2));
        }
        const reqs = (await fast.waitFor(start + count, 30_000)).slice(start);
        return reqs.map((r) => r.receivedAt - (sentAt.get(JSON.parse(r.body).data.i) ?? 0));
      };
      const alone = p99(await latencies(EVENTS));
      await h.publishChange(subscription(`${hanging.url}/hang`, ['hang.event']));
      for (let i = 0; i < EVENTS; i++) await h.publish('hang.event', { i });
      const beside = p99(await latencies(EVENTS));
      console.log(`isolation: fast receiver p99 ${alone} ms alone, ${beside} ms beside a hanging one`);
      // Without isolation the hanging receiver's deliveries fill every consumer slot and the fast
      // receiver waits for 1.5 s timeouts; the slack absorbs a noisy shared machine, not that.
      expect(beside).toBeLessThanOrEqual(Math.max(2 * alone, alone + 250));
    } finally {
      for (const res of held) res.destroy();
      await h.stop();
      await fast.close();
      await hanging.close();
    }
  }, 120_000);
});
