/** 5. The floor scenario: RabbitMQ -> a bare amqplib consumer (bench/floor.ts) -> POST, in the same run. */
import { deleteNamespace, RABBITMQ_URL, uniqueNamespace } from '@hookline/testing';
import amqp from 'amqplib';
import { openLoop } from './client';
import { now, sleep } from './lib/clock';
import { type CpuPerThousand, cpuWindow, perThousand, rabbitPid } from './lib/cpu';
import { ReceiverProc, Rpc } from './lib/procs';
import { firstReceipts, type LatencySummary, latency, round } from './lib/stats';
import { DRAIN_TIMEOUT_MS, N } from './options';

export interface FloorResult {
  throughput: {
    n: number;
    publishMs: number;
    elapsedMs: number;
    perSec: number;
    delivered: number;
    complete: boolean;
    /** From the first publish to the last receipt, as 1b's window. */
    cpuPer1k: CpuPerThousand;
  };
  /** One per rate of N.rates. */
  latency: (LatencySummary & { n: number; rate: number })[];
  fanout: { subscriptions: number; received: number; lastMs: number; firstMs: number; complete: boolean };
}

/**
 * 5. The floor: RabbitMQ -> minimal amqplib consumer (its own process, prefetch 100) -> keep-alive
 * POST -> the same receiver, acked after the answer. Persistent messages on durable queues,
 * published on a confirm channel (noDelay, as Hookline's broker).
 */
export async function floor(): Promise<FloorResult> {
  const namespace = uniqueNamespace('benchfloor');
  const rcv = await ReceiverProc.start();
  const worker = Rpc.fork('floor.ts');
  const conn = await amqp.connect(RABBITMQ_URL, { noDelay: true });
  try {
    await worker.ready;
    const url = await rcv.listen('ok');
    const ch = await conn.createConfirmChannel();
    const warmQ = `${namespace}.floor.warm`;
    const mainQ = `${namespace}.floor.main`;
    await ch.assertQueue(warmQ, { durable: true });
    await ch.assertQueue(mainQ, { durable: true });
    const body = (photoId: string, fanout?: number) =>
      Buffer.from(
        JSON.stringify({ type: 'LIKED_PHOTO', timestamp: new Date().toISOString(), data: { photoId }, fanout }),
      );
    const props = { persistent: true, contentType: 'application/json' };
    const start = (queue: string) =>
      worker.call<{ startedAt: number }>({ cmd: 'start', amqpUrl: RABBITMQ_URL, queue, target: url, prefetch: 100 });

    // Warm-up on its own queue, so the main queue is still full when its consumer starts.
    for (let i = 0; i < N.warm; i++) ch.sendToQueue(warmQ, body(`warm-${i}`), props);
    await ch.waitForConfirms();
    await start(warmQ);
    if (!(await rcv.waitFor('warm', N.warm, 60_000))) throw new Error('floor warm-up incomplete');

    // Throughput: everything published (and confirmed) first, then the consumer starts.
    const cpu = cpuWindow({
      floor: worker.proc.pid,
      receiver: rcv.rpc.proc.pid,
      rabbit: await rabbitPid(),
    });
    const tp0 = now();
    for (let i = 0; i < N.throughput; i++) {
      ch.sendToQueue(mainQ, body(`ftp-${i}`), props);
      if (i % 1000 === 999) await ch.waitForConfirms();
    }
    await ch.waitForConfirms();
    const publishMs = now() - tp0;
    const { startedAt } = await start(mainQ);
    const complete = await rcv.waitFor('ftp', N.throughput, DRAIN_TIMEOUT_MS);
    const cpuMs = await cpu.end();
    const { first } = firstReceipts((await rcv.dump('ftp')).records);
    const last = Math.max(...[...first.values()].map((r) => r.at));
    const throughput = {
      n: N.throughput,
      publishMs: round(publishMs),
      elapsedMs: round(last - startedAt),
      perSec: round((first.size / (last - startedAt)) * 1000, 0),
      delivered: first.size,
      complete,
      cpuPer1k: perThousand(cpuMs, first.size),
    };
    await sleep(500);

    // Latency at each rate: publish (confirm channel, not awaited) -> consume -> POST.
    const latencies: FloorResult['latency'] = [];
    for (const rate of N.rates) {
      const prefix = `fl${rate}`;
      const sent = new Map<string, number>();
      await openLoop(N.latency, rate, (i) => {
        const key = `${prefix}-${i}`;
        sent.set(key, now());
        ch.sendToQueue(mainQ, body(key), props);
      });
      await ch.waitForConfirms();
      await rcv.waitFor(prefix, N.latency, DRAIN_TIMEOUT_MS);
      latencies.push({ n: N.latency, rate, ...latency(sent, (await rcv.dump(prefix)).records) });
      await sleep(500);
    }

    // Fan-out: one message POSTed to N.fanout URLs, after a warm-up fan-out (sockets open, as Hookline's).
    ch.sendToQueue(mainQ, body('ffwarm-1', N.fanout), props);
    await rcv.waitFor('ffwarm', N.fanout, 60_000);
    await sleep(500);
    const tf = now();
    ch.sendToQueue(mainQ, body('ffan-1', N.fanout), props);
    const fanComplete = await rcv.waitFor('ffan', N.fanout, 60_000);
    const ats = (await rcv.dump('ffan')).records.map((r) => r[1]).sort((a, b) => a - b);
    return {
      throughput,
      latency: latencies,
      fanout: {
        subscriptions: N.fanout,
        received: ats.length,
        firstMs: round((ats[0] ?? Number.NaN) - tf),
        lastMs: round((ats[ats.length - 1] ?? Number.NaN) - tf),
        complete: fanComplete,
      },
    };
  } finally {
    await conn.close().catch(() => {});
    await worker.stop().catch(() => {});
    await rcv.stop().catch(() => {});
    await deleteNamespace(namespace);
  }
}
