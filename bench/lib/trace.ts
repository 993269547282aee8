/**
 * `--trace`: samples, every `everyMs` while a scenario runs, the CPU share of each process
 * (from /proc/<pid>/stat, Linux only), the ready depth of the namespace's queues (passive
 * checkQueue) and the receiver's count. A timing breakdown when the profile says "idle".
 */
import amqp from 'amqplib';
import { now } from './clock';
import { ownCpuMs as cpuMs } from './cpu';

export interface Sample {
  t: number;
  cpu: Record<string, number>;
  queues: Record<string, number>;
  received: number;
}

export async function startTrace(opts: {
  amqpUrl: string;
  pids: Record<string, number | undefined>;
  queues: string[];
  received: () => Promise<number>;
  everyMs?: number;
}): Promise<{ stop(): Promise<Sample[]> }> {
  const conn = await amqp.connect(opts.amqpUrl);
  const ch = await conn.createChannel();
  ch.on('error', () => {});
  const samples: Sample[] = [];
  const t0 = now();
  let last = Object.fromEntries(Object.entries(opts.pids).map(([k, pid]) => [k, pid ? cpuMs(pid) : Number.NaN]));
  let lastT = t0;
  let running = true;
  const loop = (async () => {
    while (running) {
      await new Promise((r) => setTimeout(r, opts.everyMs ?? 500));
      const t = now();
      const cpu: Record<string, number> = {};
      const cur: Record<string, number> = {};
      for (const [k, pid] of Object.entries(opts.pids)) {
        cur[k] = pid ? cpuMs(pid) : Number.NaN;
        cpu[k] = Math.round((((cur[k] as number) - (last[k] as number)) / (t - lastT)) * 100);
      }
      last = cur;
      lastT = t;
      const queues: Record<string, number> = {};
      for (const q of opts.queues) {
        try {
          queues[q.split('.').pop() as string] = (await ch.checkQueue(q)).messageCount;
        } catch {
          queues[q] = -1;
        }
      }
      samples.push({ t: Math.round(t - t0), cpu, queues, received: await opts.received().catch(() => -1) });
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      await conn.close().catch(() => {});
      return samples;
    },
  };
}

export function renderTrace(samples: Sample[]): string {
  if (samples.length === 0) return '';
  const first = samples[0] as Sample;
  const cpuKeys = Object.keys(first.cpu);
  const qKeys = Object.keys(first.queues);
  const head = ['t ms', ...cpuKeys.map((k) => `${k} cpu%`), ...qKeys.map((k) => `q:${k}`), 'received'];
  const rows = samples.map((s) => [
    String(s.t),
    ...cpuKeys.map((k) => String(s.cpu[k])),
    ...qKeys.map((k) => String(s.queues[k])),
    String(s.received),
  ]);
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] as string).length)));
  return [head, ...rows].map((r) => r.map((c, i) => c.padStart(w[i] as number)).join('  ')).join('\n');
}
