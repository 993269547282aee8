import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, type Receiver, spawnTs, startReceiver, stopProcess, waitFor } from '@hookline/testing';
import { Cluster } from '../../support/cluster';
import { photoIds, tally } from '../../support/events';
import { call, pool } from '../../support/http';
import { hasRabbitServer, NODES, RabbitCluster } from '../rabbit-cluster';

/**
 * Hookline on a three-node RabbitMQ cluster with quorum queues: two dispatcher processes on
 * different nodes, 3,000 events, and the node of one dispatcher stopped mid-run and started again.
 * Every event must be delivered, and a repeat only under its first copy's webhook-id.
 */

const EVENTS = 3000;
const STOP_AT = 1000;
const [n1, n2, n3] = NODES as [(typeof NODES)[0], (typeof NODES)[0], (typeof NODES)[0]];

const available = hasRabbitServer();
if (!available) {
  console.warn('test/cluster skipped: rabbitmq-server (and rabbitmqctl) are not installed on this machine');
}
const describeIfRabbit = available ? describe : describe.skip;

describeIfRabbit('a three-node RabbitMQ cluster with quorum queues', () => {
  let rabbit: RabbitCluster | undefined;
  let hookline: Cluster | undefined;
  let rx: Receiver | undefined;
  let second: ReturnType<typeof spawnTs> | undefined;
  const secondLog: string[] = [];

  beforeAll(async () => {
    rabbit = await RabbitCluster.start(mkdtempSync(join(tmpdir(), 'hookline-rabbit-cluster-')));
    rx = await startReceiver();
    hookline = await Cluster.start({
      label: 'cluster',
      apps: ['subscriptions', 'dispatcher', 'photo-app'],
      env: { RABBITMQ_URL: rabbit.url(n1), QUEUE_TYPE: 'quorum' },
    });
    // The second dispatcher, on node 2: the one whose node is stopped mid-run.
    const port = await freePort();
    second = spawnTs('apps/dispatcher/src/main.ts', [], {
      ...hookline.env('dispatcher'),
      PORT: String(port),
      RABBITMQ_URL: rabbit.url(n2),
    });
    second.stdout?.on('data', (d: Buffer) => secondLog.push(d.toString()));
    second.stderr?.on('data', (d: Buffer) => secondLog.push(d.toString()));
    await waitFor(
      async () =>
        (await fetch(`http://127.0.0.1:${port}/readyz`).then(
          (r) => r.ok,
          () => false,
        )) || undefined,
      60_000,
      'the second dispatcher ready',
    );
  }, 240_000);

  afterAll(async () => {
    if (second) await stopProcess(second);
    await hookline?.stop();
    await rx?.close();
    await rabbit?.stop();
  }, 120_000);

  it('delivers all 3,000 events through a node stop and start, repeats only with their webhook-id', async () => {
    const cluster = hookline as Cluster;
    const receiver = rx as Receiver;
    const sub = await call('POST', `${cluster.url('subscriptions')}/subscription`, {
      url: `${receiver.url}/cluster`,
      eventTypes: ['LIKED_PHOTO'],
    });
    expect(sub.status).toBe(201);
    await new Promise((r) => setTimeout(r, 500)); // both dispatchers' indexes get the subscription
    // Replicated queues, and both dispatchers consuming the events.
    const mine = () => (rabbit as RabbitCluster).queues().filter((q) => q.name.startsWith(`${cluster.ns}.`));
    const fanout = await waitFor(
      () => mine().find((q) => q.name === `${cluster.ns}.fanout` && q.consumers >= 2),
      20_000,
      'both dispatchers consuming the fan-out queue',
    ).catch((err: Error) => {
      throw new Error(`${err.message}: ${JSON.stringify(mine())}`);
    });
    expect(fanout).toMatchObject({ type: 'quorum' });

    // A careful producer: its own event id per like, so a retry after a 503 (a confirm lost while a
    // queue leader moved) publishes the same event again, not a second one.
    const started = Date.now();
    const publishing = pool(EVENTS, 32, async (i) => {
      const body = { type: 'LIKED_PHOTO', data: { photoId: `c${i}` }, id: `evt_cluster_${i}` };
      for (let attempt = 0; ; attempt++) {
        const status = await call('POST', `${cluster.url('photo-app')}/events`, body, { timeoutMs: 10_000 }).then(
          (r) => r.status,
          () => 0,
        );
        if (status === 202) return attempt;
        if (Date.now() - started > 180_000) throw new Error(`event ${i} not accepted (last status ${status})`);
        await new Promise((r) => setTimeout(r, 200));
      }
    });

    await receiver.waitFor(STOP_AT, 120_000);
    const stoppedAt = Date.now();
    (rabbit as RabbitCluster).stopNode(n2);
    const atStop = receiver.requests.length;
    // Down while the rest of the run goes on through node 1 and the first dispatcher.
    await receiver.waitFor(atStop + 500, 120_000);
    await (rabbit as RabbitCluster).startNode(n2);
    const downMs = Date.now() - stoppedAt;

    const retries = await publishing;
    try {
      await waitFor(() => photoIds(receiver.requests).size === EVENTS || undefined, 180_000, 'every event delivered');
    } catch (err) {
      console.log(`${cluster.allLogs()}\n--- second dispatcher ---\n${secondLog.join('').slice(-4000)}`);
      throw err;
    }
    // Redeliveries of what the stopped node's dispatcher held come soon after: give them a moment.
    await new Promise((r) => setTimeout(r, 2000));
    const t = tally(receiver.requests);
    console.log(
      `cluster: ${EVENTS} events, node ${n2.name} stopped after ${atStop} deliveries and back after ${downMs} ms ` +
        `(node ${n3.name} kept running), ${retries.filter((r) => r > 0).length} publishes retried; ` +
        `${t.distinct} distinct delivered in ${((Date.now() - started) / 1000).toFixed(1)} s, ${t.total} requests, ` +
        `${t.duplicates} duplicates, ${t.idMismatches.length} with another webhook-id`,
    );
    expect(t.distinct).toBe(EVENTS);
    expect(t.idMismatches).toEqual([]);
  }, 480_000);
});
