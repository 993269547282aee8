/**
 * Delivery controls in the benchmark (issue 17), registered in run.ts as `--only=controls`:
 *  - 10 FIFO subscriptions side by side: every event goes to each of them, one at a time per
 *    subscription, in order; deliveries/s in total.
 *  - one subscription with a rate limit, fed a backlog far larger than the limit: the rate achieved
 *    at the receiver against the limit, and the busiest 1-second window (never above the limit).
 * Events are published straight to the events exchange (as scenario 1b), so the ingest is not measured.
 */
import type { ReceiverProc } from './lib/procs';
import { benchEventId, publishEnvelopes } from './lib/publish';
import { firstReceipts, round } from './lib/stats';

export interface ControlsCtx {
  base: string;
  namespace: string;
  rcv: ReceiverProc;
}

export interface FifoBenchResult {
  subscriptions: number;
  eventsPerSubscription: number;
  deliveries: number;
  elapsedMs: number;
  perSec: number;
  complete: boolean;
}

export interface RateBenchResult {
  limit: number;
  events: number;
  elapsedMs: number;
  achievedPerSec: number;
  /** Achieved / limit. The pacer targets limit / 1.2 (see the dispatcher's src/controls/pacer.ts). */
  ofLimit: number;
  busiestSecond: number;
  complete: boolean;
}

async function createSubscription(base: string, body: object): Promise<void> {
  const r = await fetch(`${base}/subscription`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (r.status !== 201) throw new Error(`POST /subscription: ${r.status} ${await r.text()}`);
}

/** Event types of these scenarios (the run passes them in EXTRA_EVENT_TYPES): each its own subscriptions. */
export const CONTROLS_EVENT_TYPES = ['bench_fifo', 'bench_limited'] as const;

/** `n` envelopes of `type` with photoId `<prefix>-<i>`, in order, confirmed; returns when the first went out. */
async function publishLikes(namespace: string, type: string, prefix: string, n: number): Promise<number> {
  const { t0 } = await publishEnvelopes(namespace, n, (i) => ({
    id: benchEventId(prefix, i),
    type,
    timestamp: new Date().toISOString(),
    data: { photoId: `${prefix}-${i}` },
  }));
  return t0;
}

export async function fifoSideBySide(
  ctx: ControlsCtx,
  events: number,
  subscriptions = 10,
  timeoutMs = 180_000,
): Promise<FifoBenchResult> {
  const url = await ctx.rcv.listen('ok');
  for (let s = 0; s < subscriptions; s++) {
    await createSubscription(ctx.base, { url: `${url}/fifo${s}`, eventTypes: ['bench_fifo'], ordering: 'fifo' });
  }
  // Let every dispatcher consumer attach to the new queues before the clock starts.
  await new Promise((r) => setTimeout(r, 500));
  const t0 = await publishLikes(ctx.namespace, 'bench_fifo', 'fifo', events);
  const deliveries = events * subscriptions;
  const complete = await ctx.rcv.waitFor('fifo', deliveries, timeoutMs);
  const { records } = await ctx.rcv.dump('fifo');
  const elapsedMs = Math.max(...records.map((r) => r[1])) - t0;
  return {
    subscriptions,
    eventsPerSubscription: events,
    deliveries: records.length,
    elapsedMs: round(elapsedMs),
    perSec: round((records.length / elapsedMs) * 1000, 0),
    complete,
  };
}

export async function rateLimited(
  ctx: ControlsCtx,
  events: number,
  limit: number,
  timeoutMs = 180_000,
): Promise<RateBenchResult> {
  const url = await ctx.rcv.listen('ok');
  await createSubscription(ctx.base, { url: `${url}/limited`, eventTypes: ['bench_limited'], rateLimit: limit });
  await new Promise((r) => setTimeout(r, 500));
  await publishLikes(ctx.namespace, 'bench_limited', 'rl', events);
  const complete = await ctx.rcv.waitFor('rl', events, timeoutMs);
  const { records } = await ctx.rcv.dump('rl');
  const times = [...firstReceipts(records).first.values()].map((r) => r.at).sort((a, b) => a - b);
  const elapsedMs = (times.at(-1) ?? 0) - (times[0] ?? 0);
  let busiest = 0;
  for (let i = 0, j = 0; i < times.length; i++) {
    while ((times[i] as number) - (times[j] as number) >= 1000) j++;
    busiest = Math.max(busiest, i - j + 1);
  }
  const achieved = ((times.length - 1) / elapsedMs) * 1000;
  return {
    limit,
    events,
    elapsedMs: round(elapsedMs),
    achievedPerSec: round(achieved, 1),
    ofLimit: round(achieved / limit, 3),
    busiestSecond: busiest,
    complete,
  };
}
