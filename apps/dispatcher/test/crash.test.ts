import { createEnvelope } from '@hookline/contracts';
import { createLogger } from '@hookline/http';
import { createBroker } from '@hookline/runtime';
import { deleteNamespace, RABBITMQ_URL, startReceiver, uniqueMongoUrl, waitFor } from '@hookline/testing';
import { Harness, subscription } from './support/harness';
import { startWorker } from './support/spawn-worker';

describe('crash safety', () => {
  it('kill -9 in the middle of 2,000 events, then a restart: every event delivered, duplicates keep their webhook-id', async () => {
    const EVENTS = 2000;
    const receiver = await startReceiver();
    // The harness provides the namespace and a publisher; its own in-process worker is not started.
    const h = new Harness([500]);
    h.broker = createBroker(
      { RABBITMQ_URL, HOOKLINE_NAMESPACE: h.ns, RETRY_SCHEDULE: [500], PORT: 0, LOG_LEVEL: 'silent' },
      `crash-pub-${h.ns}`,
      createLogger('t', 'silent'),
    );
    await h.broker.start();
    const sub = subscription(`${receiver.url}/crash`);
    const env = {
      HOOKLINE_NAMESPACE: h.ns,
      MONGO_URL: uniqueMongoUrl('crash'),
      RETRY_SCHEDULE: '500',
      SUBSCRIPTIONS: JSON.stringify([sub]),
    };
    let worker = await startWorker(env);
    try {
      const published = [];
      for (let i = 0; i < EVENTS; i++) {
        const e = createEnvelope('LIKED_PHOTO', { n: i });
        published.push(h.broker.publish(h.names.eventsExchange, 'LIKED_PHOTO', Buffer.from(JSON.stringify(e))));
      }
      await Promise.all(published);
      await receiver.waitFor(300, 30_000);
      worker.kill('SIGKILL');
      const atKill = receiver.requests.length;
      worker = await startWorker(env);
      const seen = await waitFor(
        () => {
          const ns = new Set(receiver.requests.map((r) => (JSON.parse(r.body) as { data: { n: number } }).data.n));
          return ns.size === EVENTS ? ns : undefined;
        },
        90_000,
        'every event delivered',
      );
      expect(seen.size).toBe(EVENTS);
      // A duplicate is the same delivery again: the same webhook-id for the same event.
      const idByEvent = new Map<number, Set<string>>();
      for (const r of receiver.requests) {
        const n = (JSON.parse(r.body) as { data: { n: number } }).data.n;
        const ids = idByEvent.get(n) ?? new Set();
        ids.add(String(r.headers['webhook-id']));
        idByEvent.set(n, ids);
      }
      expect([...idByEvent.values()].every((ids) => ids.size === 1)).toBe(true);
      const duplicates = receiver.requests.length - EVENTS;
      console.log(
        `crash test: killed after ${atKill} deliveries; ${EVENTS} events delivered, ${duplicates} duplicates`,
      );
    } finally {
      worker.kill('SIGKILL');
      await receiver.close();
      await h.broker.close();
      await deleteNamespace(h.ns);
    }
  }, 150_000);
});
