/**
 * The Hookline scenarios: 1 throughput, 1b dispatcher alone (and 10, with a transformation), 2 latency,
 * 3 fan-out (and 9, with filters), 4 isolation.
 */
import { closedLoop, openLoop } from './client';
import { type Ctx, createSubscription, oneSubscriptionWarm, type ReceiptRate, receiptRate, warmUp } from './hookline';
import { stageBreakdown } from './lib/breakdown';
import { now, sleep } from './lib/clock';
import { type CpuPerThousand, cpuWindow, perThousand } from './lib/cpu';
import { benchEventId, publishEnvelopes } from './lib/publish';
import { type LatencySummary, latency, percentileOf, round } from './lib/stats';
import { DRAIN_TIMEOUT_MS, N } from './options';

export interface DrainResult extends ReceiptRate {
  n: number;
  publishMs: number;
}

export interface ThroughputResult extends DrainResult {
  non2xx: number;
  statuses: Record<string, number>;
  publishPerSec: number;
  breakdown: unknown;
}

/** 1. Throughput: n `GET /like/:id` (unique photo ids), ~64 keep-alive requests in flight, one subscription. */
export async function hooklineThroughput(ctx: Ctx): Promise<ThroughputResult> {
  await oneSubscriptionWarm(ctx);
  let non2xx = 0;
  const statuses: Record<string, number> = {};
  const cpu = cpuWindow(ctx.pids);
  const t0 = now();
  const sent = new Map<string, number>();
  await closedLoop(N.throughput, N.concurrency, async (i) => {
    sent.set(`tp-${i}`, now());
    const s = await ctx.http.request(ctx.hl.base, 'GET', `/like/tp-${i}`);
    statuses[s] = (statuses[s] ?? 0) + 1;
    if (s !== 202) non2xx++;
  });
  const publishMs = now() - t0;
  const { records, ...rate } = await receiptRate(ctx, 'tp', N.throughput - non2xx, t0, cpu);
  const breakdown = await stageBreakdown(ctx.mongoUri, sent, records).catch((e: Error) => ({ error: e.message }));
  return {
    breakdown,
    n: N.throughput,
    non2xx,
    statuses,
    publishMs: round(publishMs),
    publishPerSec: round((N.throughput / publishMs) * 1000, 0),
    ...rate,
  };
}

/** Scenario 10's transformation: reshapes every body (keeping data.photoId, which the receiver counts by). */
export const BENCH_TRANSFORM =
  '{"type": type, "timestamp": timestamp, "data": {"photoId": data.photoId, "photo": $uppercase(data.photoId), "day": $substring(timestamp, 0, 10)}}';

/**
 * 1b. The dispatcher alone, fed the way the floor is: n LIKED_PHOTO envelopes published straight to
 * the events exchange on a confirm channel (no HTTP ingest), delivered to one subscription.
 * deliveries/s = delivered / (last receipt - first publish). With `transform`, the subscription
 * carries that JSONata transformation (scenario 10: every delivery is transformed).
 */
export async function hooklineDrain(ctx: Ctx, transform?: string): Promise<DrainResult> {
  await oneSubscriptionWarm(ctx, transform ? { transform } : {});
  ctx.tracePrefix = 'dr';
  const cpu = cpuWindow(ctx.pids);
  const { t0, publishMs } = await publishEnvelopes(ctx.namespace, N.throughput, (i) => ({
    id: benchEventId('drain', i),
    type: 'LIKED_PHOTO',
    timestamp: new Date().toISOString(),
    data: { photoId: `dr-${i}` },
  }));
  const { records: _records, ...rate } = await receiptRate(ctx, 'dr', N.throughput, t0, cpu);
  return { n: N.throughput, publishMs: round(publishMs), ...rate };
}

export interface LatencyResult extends LatencySummary {
  n: number;
  rate: number;
  non2xx: number;
  /** The 202's own latency, at the client. */
  http202: { p50: number; p99: number };
  /** Receipt minus the event's `timestamp` (set by photo-app before it publishes). */
  fromEventTimestamp: { p50: number; p99: number };
  breakdown: unknown;
}

/** 2. Latency: likes (`GET /like/:id`) paced at each of N.rates, open loop; receipt minus the time the GET was sent. */
export async function hooklineLatency(ctx: Ctx): Promise<LatencyResult[]> {
  await oneSubscriptionWarm(ctx);
  const results: LatencyResult[] = [];
  for (const rate of N.rates) {
    results.push(await latencyAt(ctx, rate, `l${rate}`));
    await sleep(1000);
  }
  return results;
}

async function latencyAt(ctx: Ctx, rate: number, prefix: string): Promise<LatencyResult> {
  ctx.tracePrefix = prefix;
  const sent = new Map<string, number>();
  const responses: Promise<void>[] = [];
  const http202: number[] = [];
  let non2xx = 0;
  await openLoop(N.latency, rate, (i) => {
    const key = `${prefix}-${i}`;
    const t = now();
    sent.set(key, t);
    responses.push(
      ctx.http.request(ctx.hl.base, 'GET', `/like/${key}`).then((s) => {
        http202.push(now() - t);
        if (s !== 202) non2xx++;
      }),
    );
  });
  await Promise.all(responses);
  await ctx.rcv.waitFor(prefix, N.latency - non2xx, DRAIN_TIMEOUT_MS);
  const { records } = await ctx.rcv.dump(prefix);
  const fromTs = records.filter((r) => r[2]).map((r) => r[1] - Date.parse(r[2] as string));
  const summary = latency(sent, records);
  const breakdown = await stageBreakdown(ctx.mongoUri, sent, records).catch((e: Error) => ({ error: e.message }));
  const p = (xs: number[], q: number) => round(percentileOf(xs, q));
  return {
    n: N.latency,
    rate,
    non2xx,
    ...summary,
    http202: { p50: p(http202, 50), p99: p(http202, 99) },
    fromEventTimestamp: { p50: p(fromTs, 50), p99: p(fromTs, 99) },
    breakdown,
  };
}

export interface FanoutResult {
  subscriptions: number;
  /** Subscriptions whose filter the measured event matches (all of them without filters). */
  matching: number;
  received: number;
  duplicates: number;
  createMs: number;
  warmUpMs: number;
  firstMs: number;
  lastMs: number;
  complete: boolean;
  cpuPer1k: CpuPerThousand;
}

/**
 * Scenario 9's filter for subscription i: five operators, all holding for the warm-up event
 * (`ffwarm-1`), and for the measured one (`ffan-1`) on even subscriptions only (half match).
 */
export function benchFilter(i: number): Record<string, unknown> {
  return {
    type: { $eq: 'LIKED_PHOTO' },
    timestamp: { $exist: true },
    data: { photoId: { $startsWith: 'ff', $nin: ['none-1', 'none-2'], $neq: i % 2 ? 'ffan-1' : 'none-3' } },
  };
}

/**
 * 3. Fan-out: one like to `N.fanout` subscriptions; time from the POST to the last receipt.
 * 9. With `filtered`, each subscription carries benchFilter(i): half of them receive the event.
 */
export async function hooklineFanout(ctx: Ctx, filtered = false): Promise<FanoutResult> {
  const [warm, measured] = filtered ? ['ffwarm', 'ffan'] : ['warm', 'fan'];
  const matching = filtered ? Math.ceil(N.fanout / 2) : N.fanout;
  const url = await ctx.rcv.listen('ok');
  const tc = now();
  await closedLoop(N.fanout, 8, async (i) => {
    await createSubscription(ctx.hl.base, `${url}/s/${i}`, ['LIKED_PHOTO'], filtered ? { filter: benchFilter(i) } : {});
  });
  const createMs = now() - tc;
  // The dispatcher has every subscription once a warm-up event reached all of them.
  const tw = now();
  await ctx.http.request(ctx.hl.base, 'POST', `/like/${warm}-1`);
  if (!(await ctx.rcv.waitFor(warm, N.fanout, 120_000))) {
    throw new Error(`fan-out warm-up: ${(await ctx.rcv.count(warm)).count} of ${N.fanout} in 120 s`);
  }
  const warmUpMs = now() - tw;
  await sleep(500);
  const cpu = cpuWindow(ctx.pids);
  const t0 = now();
  const status = await ctx.http.request(ctx.hl.base, 'POST', `/like/${measured}-1`);
  if (status !== 202) throw new Error(`POST /like/${measured}-1: ${status}`);
  const complete = await ctx.rcv.waitFor(measured, matching, 60_000);
  const cpuMs = await cpu.end();
  const { records } = await ctx.rcv.dump(measured);
  const ats = records.map((r) => r[1]).sort((a, b) => a - b);
  return {
    subscriptions: N.fanout,
    matching,
    received: records.length,
    duplicates: 0,
    createMs: round(createMs, 0),
    warmUpMs: round(warmUpMs, 0),
    firstMs: round((ats[0] ?? Number.NaN) - t0),
    lastMs: round((ats[ats.length - 1] ?? Number.NaN) - t0),
    complete,
    cpuPer1k: perThousand(cpuMs, records.length),
  };
}

export interface IsolationResult {
  n: number;
  ratePerType: number;
  deliveryTimeoutMs: number;
  without: LatencySummary;
  with: LatencySummary;
  /** Deliveries that reached the hanging receiver during the "with" phase. */
  hangingAttempts: number;
}

/**
 * 4. Slow-endpoint isolation: the fast receiver's publish-to-receipt p99 for n paced events,
 * first alone, then (same process) with n events paced beside them to a receiver that never answers.
 */
export async function hooklineIsolation(ctx: Ctx): Promise<IsolationResult> {
  const fastUrl = await ctx.rcv.listen('ok');
  const slowUrl = await ctx.rcv.listen('hang');
  await createSubscription(ctx.hl.base, `${fastUrl}/`, ['bench_fast']);
  await createSubscription(ctx.hl.base, `${slowUrl}/`, ['bench_slow']);
  const publish = (type: string, photoId: string) =>
    ctx.http.request(ctx.hl.base, 'POST', '/events', JSON.stringify({ type, data: { photoId } }));
  await warmUp(ctx, N.warm, (i) => publish('bench_fast', `warm-${i}`));

  const phase = async (prefix: string, withSlow: boolean): Promise<LatencySummary> => {
    const sent = new Map<string, number>();
    const responses: Promise<unknown>[] = [];
    await openLoop(N.isolation, N.isoRate, (i) => {
      const key = `${prefix}-${i}`;
      sent.set(key, now());
      responses.push(publish('bench_fast', key));
      if (withSlow) responses.push(publish('bench_slow', `slow-${i}`));
    });
    await Promise.all(responses);
    await ctx.rcv.waitFor(prefix, N.isolation, DRAIN_TIMEOUT_MS);
    return latency(sent, (await ctx.rcv.dump(prefix)).records);
  };
  const without = await phase('isoa', false);
  await sleep(1000);
  const withSlow = await phase('isob', true);
  const { hung } = await ctx.rcv.count('isob');
  return {
    n: N.isolation,
    ratePerType: N.isoRate,
    deliveryTimeoutMs: 5000,
    without,
    with: withSlow,
    hangingAttempts: hung,
  };
}
