/**
 * What limits the number of FIFO (and rate-limited) subscriptions: each is a queue, and each
 * dispatcher consumes every such queue on a channel of its own. This declares N controlled queues
 * (single active consumer) and consumes each, as a dispatcher does, then reports the time taken, the
 * RabbitMQ node's memory and this process's RSS.
 *
 *   node --conditions=hookline-src --import tsx bench/controls-capacity.ts 500 1000 2000 2100
 */
import { Broker, declareControlledQueue, topologyNames } from '@hookline/broker';
import { deleteNamespace, RABBITMQ_URL, uniqueNamespace } from '@hookline/testing';
import { managementGet } from './lib/management';

async function rabbitNode(): Promise<{ memMB: number; fds: number; fdLimit: number }> {
  const nodes = await managementGet<{ mem_used: number; fd_used: number; fd_total: number }[]>('/api/nodes');
  const n = nodes[0];
  return { memMB: Math.round((n?.mem_used ?? 0) / 2 ** 20), fds: n?.fd_used ?? 0, fdLimit: n?.fd_total ?? 0 };
}

async function measure(n: number): Promise<void> {
  const namespace = uniqueNamespace('cap');
  const names = topologyNames(namespace);
  const broker = new Broker({ url: RABBITMQ_URL, name: `capacity-${namespace}` });
  await broker.start();
  const before = await rabbitNode();
  const rssBefore = process.memoryUsage().rss;
  const t0 = performance.now();
  try {
    const consumers = [];
    for (let i = 0; i < n; i++) {
      const queue = names.fifoQueue(`sub_${String(i).padStart(6, '0')}`);
      const declare = (ch: Parameters<typeof declareControlledQueue>[0]) =>
        declareControlledQueue(ch, { namespace, queue });
      consumers.push(broker.consume(queue, async () => 'ack', { prefetch: 1, declare }));
    }
    const attached = await Promise.race([
      Promise.all(consumers.map((c) => c.ready)).then(() => true),
      new Promise<boolean>((r) => setTimeout(() => r(false), 120_000)),
    ]);
    const ms = Math.round(performance.now() - t0);
    await new Promise((r) => setTimeout(r, 6000)); // the management stats' refresh
    const after = await rabbitNode();
    const rss = Math.round((process.memoryUsage().rss - rssBefore) / 2 ** 20);
    process.stdout.write(
      `${n} controlled queues, one consumer channel each: ${attached ? 'all attached' : 'NOT all attached in 120 s'} in ${ms} ms; ` +
        `RabbitMQ memory ${before.memMB} -> ${after.memMB} MB, file descriptors ${before.fds} -> ${after.fds} ` +
        `(limit ${after.fdLimit}), this process RSS +${rss} MB\n`,
    );
    await Promise.all(consumers.map((c) => c.stop()));
  } finally {
    await broker.close();
    await deleteNamespace(namespace);
  }
}

async function main(): Promise<void> {
  const counts = process.argv.slice(2).map(Number);
  for (const n of counts.length ? counts : [100, 1000]) await measure(n);
}

void main().then(
  () => process.exit(0),
  (err: Error) => {
    process.stderr.write(`${err.stack}\n`);
    process.exit(1);
  },
);
