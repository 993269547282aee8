/** The Hookline scenarios (1 throughput, 1b dispatcher alone, 2 latency, 3 fan-out, 4 isolation). */

import { closedLoop, openLoop } from './client';
import { type Ctx, createSubscription, oneSubscriptionWarm, type ReceiptRate, receiptRate, warmUp } from './hookline';
import { stageBreakdown } from './lib/breakdown';
import { now, sleep } from './lib/clock';
import { benchEventId, publishEnvelopes } from './lib/publish';
import { type LatencySummary, latency, percentile, round } from './lib/stats';
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

/** 1. Throughput: n likes (unique photo ids), ~64 keep-alive requests in flight, one subscription. */
export async function hooklineThroughput(ctx: Ctx): Promise<ThroughputResult> {
  await oneSubscriptionWarm(ctx);
  let non2xx = 0;
  const statuses: Record<string, number> = {};
  const t0 = now();
  const sent = new Map<string, number>();
  await closedLoop(N.throughput, N.concurrency, async (i) => {
    sent.set(`tp-${i}`, now());
    const s = await ctx.http.request(ctx.hl.base, 'POST', `/like/tp-${i}`);
    statuses[s] = (statuses[s] ?? 0) + 1;
    if (s !== 202) non2xx++;
  });
  const publishMs = now() - t0;
  const { records, ...rate } = await receiptRate(ctx, 'tp', N.throughput - non2xx, t0);
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

/**
 * 1b. The dispatcher alone, fed the way the floor is: n LIKED_PHOTO envelopes published straight to
 * the events exchange on a confirm channel (no HTTP ingest), delivered to one subscription.
 * deliveries/s = delivered / (last receipt - first publish).
 */
export async function hooklineDrain(ctx: Ctx): Promise<DrainResult> {
  await oneSubscriptionWarm(ctx);
  ctx.tracePrefix = 'dr';
  const { t0, publishMs } = await publishEnvelopes(ctx.namespace, N.throughput, (i) => ({
    id: benchEventId('drain', i),
    type: 'LIKED_PHOTO',
    timestamp: new Date().toISOString(),
    data: { photoId: `dr-${i}` },
  }));
  const { records: _records, ...rate } = await receiptRate(ctx, 'dr', N.throughput, t0);
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

/** 2. Latency: n likes paced at `rate`/s, open loop; receipt minus the time the POST was sent. */
export async function hooklineLatency(ctx: Ctx): Promise<LatencyResult> {
  await oneSubscriptionWarm(ctx);
  ctx.tracePrefix = 'lat';
  const sent = new Map<string, number>();
  const responses: Promise<void>[] = [];
  const http202: number[] = [];
  let non2xx = 0;
  await openLoop(N.latency, N.rate, (i) => {
    const key = `lat-${i}`;
    const t = now();
    sent.set(key, t);
    responses.push(
      ctx.http.request(ctx.hl.base, 'POST', `/like/${key}`).then((s) => {
        http202.push(now() - t);
        if (s !== 202) non2xx++;
      }),
    );
  });
  await Promise.all(responses);
  await ctx.rcv.waitFor('lat', N.latency - non2xx, DRAIN_TIMEOUT_MS);
  const { records } = await ctx.rcv.dump('lat');
  const fromTs = records.filter((r) => r[2]).map((r) => r[1] - Date.parse(r[2] as string));
  const summary = latency(sent, records);
  const breakdown = await stageBreakdown(ctx.mongoUri, sent, records).catch((e: Error) => ({ error: e.message }));
  const p = (xs: number[], q: number) =>
    round(
      percentile(
        [...xs].sort((a, b) => a - b),
        q,
      ),
    );
  return {
    n: N.latency,
    rate: N.rate,
    non2xx,
    ...summary,
    http202: { p50: p(http202, 50), p99: p(http202, 99) },
    fromEventTimestamp: { p50: p(fromTs, 50), p99: p(fromTs, 99) },
    breakdown,
  };
}

export interface FanoutResult {
  subscriptions: number;
  received: number;
  duplicates: number;
  createMs: number;
  warmUpMs: number;
  firstMs: number;
  lastMs: number;
  complete: boolean;
}

/** 3. Fan-out: one like to `N.fanout` subscriptions; time from the POST to the last receipt. */
export async function hooklineFanout(ctx: Ctx): Promise<FanoutResult> {
  const url = await ctx.rcv.listen('ok');
  const tc = now();
  await closedLoop(N.fanout, 8, async (i) => {
    await createSubscription(ctx.hl.base, `${url}/s/${i}`, ['LIKED_PHOTO']);
  });
  const createMs = now() - tc;
  // The dispatcher has every subscription once a warm-up event reached all of them.
  const tw = now();
  await ctx.http.request(ctx.hl.base, 'POST', '/like/warm-1');
  if (!(await ctx.rcv.waitFor('warm', N.fanout, 120_000))) {
    throw new Error(`fan-out warm-up: ${(await ctx.rcv.count('warm')).count} of ${N.fanout} in 120 s`);
  }
  const warmUpMs = now() - tw;
  await sleep(500);
  const t0 = now();
  const status = await ctx.http.request(ctx.hl.base, 'POST', '/like/fan-1');
  if (status !== 202) throw new Error(`POST /like/fan-1: ${status}`);
  const complete = await ctx.rcv.waitFor('fan', N.fanout, 60_000);
  const { records } = await ctx.rcv.dump('fan');
  const ats = records.map((r) => r[1]).sort((a, b) => a - b);
  return {
    subscriptions: N.fanout,
    received: records.length,
    duplicates: 0,
    createMs: round(createMs, 0),
    warmUpMs: round(warmUpMs, 0),
    firstMs: round((ats[0] ?? Number.NaN) - t0),
    lastMs: round((ats[ats.length - 1] ?? Number.NaN) - t0),
    complete,
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
