import { type Receiver, startReceiver, waitFor } from '@hookline/testing';
import { Cluster, GATEWAY_PASSWORD, GATEWAY_USER, suffix } from '../support/cluster';
import { call } from '../support/http';

/**
 * SIGTERM finishes the work in hand and exits 0: a delivery may run up to DELIVERY_TIMEOUT_MS, longer
 * than the default 10 s budget, and a gateway long poll ends at once instead of holding the stop.
 */

/** Sends SIGTERM to the app's process and resolves with its exit code and how long it took. */
async function terminate(cluster: Cluster, app: 'gateway' | 'dispatcher'): Promise<{ code: string; ms: number }> {
  const started = Date.now();
  process.kill(cluster.pid(app) as number, 'SIGTERM');
  const code = await waitFor(
    () => /\[\w[\w-]* exited: code (\w+), signal/.exec(cluster.logs(app, 5))?.[1],
    30_000,
    `${app} to exit`,
  );
  return { code, ms: Date.now() - started };
}

describe('graceful stop', () => {
  let cluster: Cluster | undefined;
  let rx: Receiver | undefined;
  afterEach(async () => {
    await cluster?.stop();
    await rx?.close();
  }, 30_000);

  it('ends a gateway long poll at once and exits 0', async () => {
    cluster = await Cluster.start({ label: 'sdgw', apps: ['gateway'] });
    const gw = cluster.url('gateway');
    const auth = await call('POST', `${gw}/auth/authenticate`, { username: GATEWAY_USER, password: GATEWAY_PASSWORD });
    const station = `s-${suffix()}`;
    const started = Date.now();
    const poll = call(
      'POST',
      `${gw}/stations/${station}/consume/batch?authorization=${auth.body.jwt}`,
      { consumer_name: 'c', batch_max_wait_time_ms: 25_000 },
      { timeoutMs: 40_000 },
    );
    await new Promise((r) => setTimeout(r, 1000)); // the poll is waiting in RabbitMQ by now
    const stopping = terminate(cluster, 'gateway');
    const answer = await poll;
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual([]);
    expect(Date.now() - started).toBeLessThan(10_000); // not the 25 s it asked to wait
    const stop = await stopping;
    expect(stop.code).toBe('0');
    expect(stop.ms).toBeLessThan(8_000);
  }, 90_000);

  it('lets an in-flight delivery of up to DELIVERY_TIMEOUT_MS finish (past 10 s) and exits 0', async () => {
    rx = await startReceiver();
    cluster = await Cluster.start({
      label: 'sddisp',
      apps: ['subscriptions', 'dispatcher', 'photo-app'],
      env: { DELIVERY_TIMEOUT_MS: '14000' },
    });
    // A receiver that takes 11 s to answer: within the delivery timeout, beyond the old 10 s budget.
    rx.respond((_req, res) => {
      setTimeout(() => res.writeHead(200).end('{}'), 11_000);
    });
    const sub = await call('POST', `${cluster.url('subscriptions')}/subscription`, {
      url: `${rx.url}/slow`,
      eventTypes: ['LIKED_PHOTO'],
    });
    expect(sub.status).toBe(201);
    await new Promise((r) => setTimeout(r, 500));
    expect((await call('GET', `${cluster.url('photo-app')}/like/slow-1`)).status).toBe(202);
    await rx.waitFor(1, 30_000);
    const stop = await terminate(cluster, 'dispatcher');
    expect(stop.code).toBe('0');
    expect(stop.ms).toBeGreaterThan(8_000); // it did wait for the receiver
  }, 120_000);
});
