import { type Receiver, startReceiver, waitFor } from '@hookline/testing';
import { Cluster } from '../support/cluster';
import { histogram, photoIds, publishLikes, tally } from '../support/events';
import { call } from '../support/http';

/** kill -9 of the dispatcher while 5,000 events are in flight, then a restart. */

const EVENTS = 5000;
const KILL_AT = 1000;

let cluster: Cluster;
let rx: Receiver;

beforeAll(async () => {
  rx = await startReceiver();
  cluster = await Cluster.start({ label: 'fkill', apps: ['subscriptions', 'dispatcher', 'photo-app'] });
}, 120_000);

afterAll(async () => {
  if (process.env.HOOKLINE_TEST_LOGS) console.log(cluster?.allLogs(200));
  await cluster?.stop();
  await rx?.close();
}, 30_000);

it('kill -9 of the dispatcher with 5,000 events in flight: every event delivered, duplicates keep their webhook-id', async () => {
  const sub = await call('POST', `${cluster.url('subscriptions')}/subscription`, {
    url: `${rx.url}/kill`,
    eventTypes: ['LIKED_PHOTO'],
  });
  expect(sub.status).toBe(201);
  await new Promise((r) => setTimeout(r, 300));

  const started = Date.now();
  let publishedMs = 0;
  const publishing = publishLikes(cluster.url('photo-app'), 'k', EVENTS, { concurrency: 50 }).then((o) => {
    publishedMs = Date.now() - started;
    return o;
  });
  await rx.waitFor(KILL_AT, 90_000);
  await cluster.kill('dispatcher', 'SIGKILL');
  const atKill = rx.requests.length;
  const killAfterMs = Date.now() - started;
  const killedAt = Date.now();
  await cluster.startApp('dispatcher');
  const restartMs = Date.now() - killedAt;

  const outcomes = await publishing;
  const refused = outcomes.filter((o) => !o.accepted);
  expect(histogram(outcomes.map((o) => o.statuses.at(-1) ?? 0))).toEqual({ '202': EVENTS });
  expect(refused).toHaveLength(0);

  try {
    await waitFor(() => photoIds(rx.requests).size === EVENTS, 120_000, 'every event delivered');
  } catch (err) {
    const seen = photoIds(rx.requests);
    const missing = outcomes.map((o) => o.photoId).filter((id) => !seen.has(id));
    console.log(`missing ${missing.length} events, e.g. ${missing.slice(0, 10).join(', ')}\n${cluster.allLogs()}`);
    throw err;
  }
  // Redeliveries of what was in flight at the kill come right after the restart: give them a moment.
  await new Promise((r) => setTimeout(r, 1000));
  const t = tally(rx.requests);
  console.log(
    `fault kill -9 dispatcher: ${EVENTS} events published in ${(publishedMs / 1000).toFixed(1)} s, dispatcher killed after ${atKill} deliveries (${(killAfterMs / 1000).toFixed(1)} s) and back in ` +
      `${restartMs} ms; ${t.distinct} distinct events delivered in ${((Date.now() - started) / 1000).toFixed(1)} s, ` +
      `${t.total} requests, ${t.duplicates} duplicates, ${t.idMismatches.length} duplicates with another webhook-id`,
  );
  expect(t.distinct).toBe(EVENTS);
  expect(t.idMismatches).toEqual([]);
}, 240_000);
