import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, type Receiver, sleep, startReceiver, waitFor } from '@hookline/testing';
import { Cluster, suffix } from '../support/cluster';
import { histogram, photoIds, publishLikes } from '../support/events';
import { call, parseBody } from '../support/http';
import { MongoProcess } from '../support/mongo';

/**
 * The cluster's MongoDB (a dedicated embedded server) killed for 10 s, then restarted on the same
 * port with the same dbpath: writes answer 503 meanwhile (never a false 2xx), then publishing and
 * deliveries resume by themselves.
 */

const OUTAGE_MS = 10_000;

let cluster: Cluster;
let mongo: MongoProcess;
let rx: Receiver;
let dbPath: string;

beforeAll(async () => {
  rx = await startReceiver();
  dbPath = mkdtempSync(join(tmpdir(), 'hookline-fmongo-'));
  mongo = new MongoProcess(await freePort(), dbPath);
  await mongo.start();
  cluster = await Cluster.start({
    label: 'fmongo',
    apps: ['subscriptions', 'dispatcher', 'photo-app'],
    mongoServer: mongo.uri,
  });
}, 120_000);

afterAll(async () => {
  if (process.env.HOOKLINE_TEST_LOGS) console.log(cluster?.allLogs(200));
  await cluster?.stop();
  await mongo?.kill('SIGTERM');
  await rx?.close();
  if (dbPath) rmSync(dbPath, { recursive: true, force: true });
}, 30_000);

const usersOf = (rq: Receiver) =>
  rq.requests.filter((r) => r.path === '/users').map((r) => String(parseBody(r).data.username));

it('MongoDB down for 10 s: POST /users answers 503 meanwhile, then everything resumes', async () => {
  const photo = cluster.url('photo-app');
  const sub = await call('POST', `${cluster.url('subscriptions')}/subscription`, {
    url: `${rx.url}/users`,
    eventTypes: ['user_registered'],
  });
  expect(sub.status).toBe(201);
  const likesSub = await call('POST', `${cluster.url('subscriptions')}/subscription`, {
    url: `${rx.url}/likes`,
    eventTypes: ['LIKED_PHOTO'],
  });
  expect(likesSub.status).toBe(201);
  await sleep(300);

  const before = `before_${suffix()}`;
  expect((await call('POST', `${photo}/users`, { username: before })).status).toBe(201);
  await waitFor(() => usersOf(rx).includes(before), 20_000, 'the registration before the outage delivered');

  await mongo.kill('SIGKILL');
  const killedAt = Date.now();

  // During the outage: registrations (MongoDB writes) and likes (RabbitMQ only) side by side.
  const answers: { username: string; status: number; body: string; ms: number }[] = [];
  const registerLoop = async (loop: number) => {
    for (let i = 0; Date.now() - killedAt < OUTAGE_MS - 500; i++) {
      const username = `outage_${loop}_${i}_${suffix()}`;
      const t0 = Date.now();
      let status = 0;
      let body = '';
      try {
        const r = await call('POST', `${photo}/users`, { username }, { timeoutMs: 15_000 });
        status = r.status;
        body = r.text;
      } catch (err) {
        body = String(err);
      }
      answers.push({ username, status, body, ms: Date.now() - t0 });
      await sleep(100);
    }
  };
  // Several clients, so a slow answer does not leave the outage unsampled.
  const registering = Promise.all([0, 1, 2, 3].map(registerLoop));
  const likes = publishLikes(photo, 'm', 100, { concurrency: 5, retry: true, deadlineMs: 60_000 });
  await registering;
  await sleep(Math.max(0, OUTAGE_MS - (Date.now() - killedAt)));

  await mongo.start();
  const restartedAt = Date.now();
  // A new registration, tried from the moment MongoDB is back: accepted once the apps reconnect.
  const after = `after_${suffix()}`;
  const afterAnswers: number[] = [];
  const reg = await waitFor(
    async () => {
      const r = await call('POST', `${photo}/users`, { username: after }, { timeoutMs: 15_000 });
      afterAnswers.push(r.status);
      return r.status === 201 ? r : undefined;
    },
    30_000,
    'a registration accepted after the restart',
  );
  const acceptedAfterMs = Date.now() - restartedAt;
  expect(reg.status).toBe(201);
  const readyAfter: Record<string, number> = {};
  await waitFor(
    async () => {
      const r = await cluster.readiness();
      for (const [app, s] of Object.entries(r)) if (s === '200') readyAfter[app] ??= Date.now() - restartedAt;
      return Object.values(r).every((s) => s === '200');
    },
    60_000,
    'every app ready again after the restart',
  ).catch((err) => {
    console.log(cluster.allLogs());
    throw err;
  });

  const statuses = histogram(answers.map((a) => a.status));
  const falseOk = answers.filter((a) => a.status >= 200 && a.status < 300);
  const not503 = answers.filter((a) => a.status !== 503);
  const likeOutcomes = await likes;

  await waitFor(() => usersOf(rx).includes(after), 30_000, 'the registration after the restart delivered').catch(
    (err) => {
      console.log(cluster.allLogs());
      throw err;
    },
  );

  // Likes accepted during the outage are delivered (the dispatcher records deliveries in MongoDB).
  const accepted = likeOutcomes.filter((o) => o.accepted).map((o) => o.photoId);
  const likeRequests = () => rx.requests.filter((r) => r.path === '/likes');
  await waitFor(
    () => accepted.every((id) => photoIds(likeRequests()).has(id)),
    60_000,
    'every like accepted during the outage delivered',
  ).catch((err) => {
    const seen = photoIds(likeRequests());
    console.log(`undelivered likes: ${accepted.filter((id) => !seen.has(id)).join(', ')}\n${cluster.allLogs()}`);
    throw err;
  });

  // Nothing acknowledged before the outage was lost, and nothing from a 503 was left behind.
  const listed = await call('GET', `${photo}/users?limit=1000`);
  const names = (listed.body.data as { username: string }[]).map((u) => u.username);
  expect(names).toContain(before);
  expect(names).toContain(after);
  const ghosts = answers.filter((a) => a.status === 503 && names.includes(a.username)).map((a) => a.username);

  console.log(
    `fault MongoDB down ${OUTAGE_MS / 1000} s: POST /users answers during the outage ${JSON.stringify(statuses)} ` +
      `(${falseOk.length} false 2xx, answered in ${Math.min(...answers.map((a) => a.ms))}-${Math.max(...answers.map((a) => a.ms))} ms, bodies ${JSON.stringify([...new Set(answers.map((a) => a.body))])}); a registration accepted ${acceptedAfterMs} ms after the restart (answers before: ${JSON.stringify(histogram(afterAnswers.slice(0, -1)))}), /readyz 200 after ${JSON.stringify(readyAfter)} ms; ${accepted.length}/100 likes ` +
      `accepted during the outage (answers ${JSON.stringify(histogram(likeOutcomes.flatMap((o) => o.statuses)))}), ` +
      `all delivered; registration after the restart delivered; ${ghosts.length} users left behind by a 503`,
  );
  expect(answers.length).toBeGreaterThanOrEqual(8);
  expect(falseOk).toEqual([]);
  // A 500 here was seen once (the driver's unwrapped EPIPE, see isDatabaseUnavailable): if another kind
  // turns up, what the app logged with it says which.
  if (not503.length > 0) console.log(`answers other than 503; the services' logs:\n${cluster.allLogs(400)}`);
  expect(not503).toEqual([]);
  expect(ghosts).toEqual([]);
  expect(accepted).toHaveLength(100);
}, 180_000);
