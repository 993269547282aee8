import { freePort, sleep, startReceiver, waitFor } from '@hookline/testing';
import { Cluster } from '../support/cluster';
import { histogram, photoIds, publishLikes, tally } from '../support/events';
import { call } from '../support/http';

/**
 * A receiver down for 20 s, then back on the same port: every event reaches it through the retry
 * queues (RETRY_SCHEDULE 1,2,4,8,16 s: attempts at about 0, 1, 3, 7, 15 and 31 s, jitter ±20 %).
 */

const EVENTS = 50;
const DOWN_MS = 20_000;

let cluster: Cluster;
let closeReceiver: (() => Promise<void>) | undefined;

beforeAll(async () => {
  cluster = await Cluster.start({
    label: 'frecv',
    apps: ['subscriptions', 'dispatcher', 'photo-app'],
    env: { RETRY_SCHEDULE: '1,2,4,8,16', DELIVERY_TIMEOUT_MS: '2000' },
  });
}, 120_000);

afterAll(async () => {
  if (process.env.HOOKLINE_TEST_LOGS) console.log(cluster?.allLogs(200));
  await closeReceiver?.();
  await cluster?.stop();
}, 30_000);

it('a receiver down for 20 s then back on the same port: everything delivered through the retry queues', async () => {
  const port = await freePort(); // nothing listens there for now: connection refused
  const sub = await call('POST', `${cluster.url('subscriptions')}/subscription`, {
    url: `http://127.0.0.1:${port}/hook`,
    eventTypes: ['LIKED_PHOTO'],
  });
  expect(sub.status).toBe(201);
  await sleep(300);

  const downAt = Date.now();
  const outcomes = await publishLikes(cluster.url('photo-app'), 'r', EVENTS, { concurrency: 10 });
  expect(histogram(outcomes.map((o) => o.statuses.at(-1) ?? 0))).toEqual({ '202': EVENTS });

  // Meanwhile the attempts fail and are recorded as pending with a next attempt.
  const dispatcher = cluster.url('dispatcher');
  const pending = await waitFor(
    async () => {
      const r = await call('GET', `${dispatcher}/deliveries?subscriptionId=${sub.body.id}&limit=100`);
      const data = (r.body?.data ?? []) as { status: string; attempts: number }[];
      return data.length === EVENTS && data.every((d) => d.status === 'pending' && d.attempts >= 1) ? data : undefined;
    },
    15_000,
    'every delivery pending after a failed attempt',
  );
  expect(pending).toHaveLength(EVENTS);

  await sleep(Math.max(0, DOWN_MS - (Date.now() - downAt)));
  const rx = await startReceiver(port);
  closeReceiver = () => rx.close();
  const upAt = Date.now();
  try {
    await waitFor(() => photoIds(rx.requests).size === EVENTS, 40_000, 'every event delivered after the outage');
  } catch (err) {
    const r = await call('GET', `${dispatcher}/deliveries?subscriptionId=${sub.body.id}&limit=100`);
    console.log(
      `deliveries: ${JSON.stringify(histogram((r.body?.data ?? []).map((d: { status: string }) => d.status) as never))}\n${cluster.allLogs()}`,
    );
    throw err;
  }
  const lastAt = Math.max(...rx.requests.map((r) => r.receivedAt));

  const recorded = await waitFor(
    async () => {
      const r = await call('GET', `${dispatcher}/deliveries?subscriptionId=${sub.body.id}&limit=100`);
      const data = (r.body?.data ?? []) as { id: string; status: string; attempts: number }[];
      return data.length === EVENTS && data.every((d) => d.status === 'delivered') ? data : undefined;
    },
    15_000,
    'every delivery recorded as delivered',
  );
  const attempts = histogram(recorded.map((d) => d.attempts));
  const one = await call('GET', `${dispatcher}/deliveries/${recorded[0]?.id}`);
  const log = (one.body.attempts as { attempt: number; statusCode: number | null; error: string | null }[]).map(
    (a) => `${a.attempt}:${a.statusCode ?? a.error}`,
  );
  const t = tally(rx.requests);
  console.log(
    `fault receiver down ${DOWN_MS / 1000} s: ${EVENTS} events, ${t.distinct} delivered after it came back ` +
      `(first ${Math.min(...rx.requests.map((r) => r.receivedAt)) - upAt} ms, last ${lastAt - upAt} ms after), ` +
      `${t.duplicates} duplicates; attempts per delivery ${JSON.stringify(attempts)}; e.g. ${log.join(' ')}`,
  );
  expect(t.distinct).toBe(EVENTS);
  expect(t.idMismatches).toEqual([]);
  expect(log.at(-1)).toMatch(/:200$/);
}, 120_000);
