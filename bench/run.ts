/**
 * `npm run bench` (a benchmark, not a test): Hookline under `npm start` against a bare floor on the
 * same machine, in the same run. See bench/README.md for what each scenario measures.
 *
 *   npm run bench                        full counts, 3 repetitions, medians
 *   npm run bench -- --quick             small counts, 1 repetition (for trying things)
 *   npm run bench -- --runs=1            repetitions
 *   npm run bench -- --only=floor,throughput,drain,latency,fanout,isolation,controls,tenants
 *   npm run bench -- --profile           one throughput run (or --only=drain|latency) with --cpu-prof on hookline and MongoDB,
 *                                        prints the hottest functions (no table, no JSON)
 *   npm run bench -- --trace             print a per-500 ms timeline (CPU per process, queue depths)
 *   npm run bench -- --hookline-env=MAX_IN_FLIGHT_PER_SUBSCRIPTION=200   what-if env for Hookline
 *   npm run bench -- --no-write          do not write bench/results/<date>.json
 *   npm run bench -- --from=bench/results/<date>.json   re-print a saved run
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import { join } from 'node:path';
import { deleteNamespace, RABBITMQ_URL, uniqueNamespace } from '@hookline/testing';
import amqp from 'amqplib';
import {
  CONTROLS_EVENT_TYPES,
  type FifoBenchResult,
  fifoSideBySide,
  type RateBenchResult,
  rateLimited,
} from './controls';
import { stageBreakdown } from './lib/breakdown';
import { now, sleep } from './lib/clock';
import {
  type Hookline,
  type Mongo,
  ReceiverProc,
  type Record_,
  ROOT,
  Rpc,
  startHookline,
  startMongo,
  tempDir,
} from './lib/procs';
import { summarizeProfiles } from './lib/profile';
import { benchEventId, publishEnvelopes } from './lib/publish';
import { firstReceipts, type LatencySummary, latency, median, round } from './lib/stats';
import { renderTrace, startTrace } from './lib/trace';
import { hooklineTenants, type TenantsBenchResult } from './tenants';

// ---------------------------------------------------------------- options

const argv = process.argv.slice(2);
const flag = (name: string) => argv.includes(`--${name}`);
const opt = (name: string) => argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1];
const QUICK = flag('quick');
const PROFILE = flag('profile');
const TRACE = flag('trace');
/** `--hookline-env=KEY=VALUE` (repeatable): extra env for every Hookline child, for what-if runs. */
const EXTRA_ENV = Object.fromEntries(
  argv
    .filter((a) => a.startsWith('--hookline-env='))
    .map((a) => a.slice('--hookline-env='.length))
    .map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]),
);
const RUNS = Number(opt('runs') ?? (QUICK || PROFILE ? 1 : 3));
const ONLY = new Set((opt('only') ?? 'floor,throughput,drain,latency,fanout,isolation,controls,tenants').split(','));

const N = QUICK
  ? {
      throughput: 3000,
      concurrency: 64,
      latency: 1000,
      rate: 500,
      fanout: 200,
      isolation: 500,
      isoRate: 250,
      warm: 200,
      fifo: 200,
      rateEvents: 500,
      rateLimit: 100,
      tenants: 1000,
    }
  : {
      throughput: 20_000,
      concurrency: 64,
      latency: 5000,
      rate: 500,
      fanout: 1000,
      isolation: 2000,
      isoRate: 250,
      warm: 500,
      fifo: 1000,
      rateEvents: 2000,
      rateLimit: 200,
      tenants: 10_000,
    };
/** Longest wait for the last delivery of a batch before the run is reported as incomplete. */
const DRAIN_TIMEOUT_MS = QUICK ? 60_000 : 180_000;

const log = (msg: string) => process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${msg}\n`);

// ---------------------------------------------------------------- HTTP client (the load generator)

/** Keep-alive client; one agent per scenario so its sockets are warm for that scenario only. */
function client(maxSockets: number) {
  const agent = new http.Agent({ keepAlive: true, maxSockets });
  const request = (base: string, method: string, path: string, body?: string): Promise<number> =>
    new Promise((resolve) => {
      const url = new URL(base);
      const payload = body === undefined ? undefined : Buffer.from(body);
      const req = http.request(
        {
          agent,
          host: url.hostname,
          port: url.port,
          method,
          path,
          headers: payload ? { 'content-type': 'application/json', 'content-length': payload.length } : {},
        },
        (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
        },
      );
      req.on('error', () => resolve(0));
      req.end(payload);
    });
  return { request, close: () => agent.destroy() };
}
type Client = ReturnType<typeof client>;

/** Closed loop: `concurrency` requests in flight until `n` were sent. */
async function closedLoop(n: number, concurrency: number, send: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < n) await send(next++);
    }),
  );
}

/** Open loop: request i is sent at t0 + i / rate whatever the earlier ones are doing. */
async function openLoop(n: number, ratePerSec: number, send: (i: number) => void): Promise<void> {
  const interval = 1000 / ratePerSec;
  const t0 = now() + 2;
  let i = 0;
  while (i < n) {
    const t = now();
    while (i < n && t0 + i * interval <= t) send(i++);
    if (i < n) await sleep(Math.max(0, t0 + i * interval - now()));
  }
}

// ---------------------------------------------------------------- Hookline scenarios

interface Ctx {
  hl: Hookline;
  rcv: ReceiverProc;
  http: Client;
  mongoUri: string;
  namespace: string;
  /** Key prefix the --trace timeline counts receipts of. */
  tracePrefix: string;
}

function beamPid(): number | undefined {
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      if (readFileSync(`/proc/${d}/comm`, 'utf8').trim() === 'beam.smp') return Number(d);
    } catch {
      /* gone */
    }
  }
  return undefined;
}

/** A fresh embedded MongoDB, namespace, receiver process and Hookline (as `npm start`) per scenario. */
async function withHookline<T>(
  label: string,
  env: Record<string, string>,
  fn: (ctx: Ctx) => Promise<T>,
  nodeArgs: string[] = [],
): Promise<T> {
  const namespace = uniqueNamespace(`bench${label}`);
  let mongo: Mongo | undefined;
  let hl: Hookline | undefined;
  let rcv: ReceiverProc | undefined;
  const c = client(256);
  try {
    // --profile profiles the MongoDB process too (its nodeArgs carry the profile directory).
    [mongo, rcv] = await Promise.all([startMongo(nodeArgs), ReceiverProc.start()]);
    hl = await startHookline({ mongoUri: mongo.uri, namespace, env: { ...env, ...EXTRA_ENV }, nodeArgs });
    const ctx: Ctx = { hl, rcv, http: c, mongoUri: mongo.uri, namespace, tracePrefix: 'tp' };
    if (!TRACE) return await fn(ctx);
    const names = ['fanout', 'deliver', 'park', 'dead'].map((q) => `${namespace}.${q}`);
    const trace = await startTrace({
      amqpUrl: RABBITMQ_URL,
      pids: {
        hookline: hl.proc.pid,
        mongo: mongo.proc.pid,
        rabbit: beamPid(),
        receiver: rcv.rpc.proc.pid,
        bench: process.pid,
      },
      queues: names,
      received: async () => (await rcv!.count(ctx.tracePrefix)).count,
    });
    try {
      return await fn(ctx);
    } finally {
      log(`trace of ${label}:\n${renderTrace(await trace.stop())}`);
    }
  } finally {
    c.close();
    await hl?.stop().catch(() => {});
    await Promise.all([mongo?.stop().catch(() => {}), rcv?.stop().catch(() => {})]);
    await deleteNamespace(namespace);
  }
}

async function createSubscription(base: string, url: string, eventTypes: string[]): Promise<string> {
  const r = await fetch(`${base}/subscription`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ url, eventTypes }),
  });
  if (r.status !== 201) throw new Error(`POST /subscription: ${r.status} ${await r.text()}`);
  return ((await r.json()) as { id: string }).id;
}

/** JIT and socket warm-up: `n` likes at full speed, all received, before anything is timed. */
async function warmUp(ctx: Ctx, n: number, send: (i: number) => Promise<number>, prefix = 'warm'): Promise<void> {
  await closedLoop(n, 32, async (i) => {
    await send(i);
  });
  if (!(await ctx.rcv.waitFor(prefix, n, 60_000))) {
    throw new Error(`warm-up: ${(await ctx.rcv.count(prefix)).count} of ${n} received in 60 s\n${ctx.hl.logTail()}`);
  }
}

/** What the receiver saw of one batch: see receiptRate. */
interface ReceiptRate {
  delivered: number;
  duplicates: number;
  elapsedMs: number;
  perSec: number;
  complete: boolean;
}

interface DrainResult extends ReceiptRate {
  n: number;
  publishMs: number;
}

interface ThroughputResult extends DrainResult {
  non2xx: number;
  statuses: Record<string, number>;
  publishPerSec: number;
  breakdown: unknown;
}

/** One subscription to LIKED_PHOTO on an answering receiver, warmed up with likes. */
async function oneSubscriptionWarm(ctx: Ctx): Promise<void> {
  const url = await ctx.rcv.listen('ok');
  await createSubscription(ctx.hl.base, `${url}/`, ['LIKED_PHOTO']);
  await warmUp(ctx, N.warm, (i) => ctx.http.request(ctx.hl.base, 'POST', `/like/warm-${i}`));
}

/** Waits for `expected` receipts under `prefix`; the rate is first receipts / (last receipt - t0). */
async function receiptRate(
  ctx: Ctx,
  prefix: string,
  expected: number,
  t0: number,
): Promise<ReceiptRate & { records: Record_[] }> {
  const complete = await ctx.rcv.waitFor(prefix, expected, DRAIN_TIMEOUT_MS);
  const { records } = await ctx.rcv.dump(prefix);
  const { first, duplicates } = firstReceipts(records);
  const elapsedMs = Math.max(...[...first.values()].map((r) => r.at)) - t0;
  return {
    records,
    delivered: first.size,
    duplicates,
    elapsedMs: round(elapsedMs),
    perSec: round((first.size / elapsedMs) * 1000, 0),
    complete,
  };
}

/** 1. Throughput: n likes (unique photo ids), ~64 keep-alive requests in flight, one subscription. */
async function hooklineThroughput(ctx: Ctx): Promise<ThroughputResult> {
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
async function hooklineDrain(ctx: Ctx): Promise<DrainResult> {
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

interface LatencyResult extends LatencySummary {
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
async function hooklineLatency(ctx: Ctx): Promise<LatencyResult> {
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
  const p = (xs: number[], q: number) => round(percentileOf(xs, q));
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

function percentileOf(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length
    ? (s[Math.min(s.length - 1, Math.max(0, Math.ceil((q / 100) * s.length) - 1))] as number)
    : Number.NaN;
}

interface FanoutResult {
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
async function hooklineFanout(ctx: Ctx): Promise<FanoutResult> {
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

interface IsolationResult {
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
async function hooklineIsolation(ctx: Ctx): Promise<IsolationResult> {
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

// ---------------------------------------------------------------- the floor

interface FloorResult {
  throughput: { n: number; publishMs: number; elapsedMs: number; perSec: number; delivered: number; complete: boolean };
  latency: LatencySummary & { n: number; rate: number };
  fanout: { subscriptions: number; received: number; lastMs: number; firstMs: number; complete: boolean };
}

/**
 * 5. The floor: RabbitMQ -> minimal amqplib consumer (its own process, prefetch 100) -> keep-alive
 * POST -> the same receiver, acked after the answer. Persistent messages on durable queues,
 * published on a confirm channel (noDelay, as Hookline's broker).
 */
async function floor(): Promise<FloorResult> {
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
    const tp0 = now();
    for (let i = 0; i < N.throughput; i++) {
      ch.sendToQueue(mainQ, body(`ftp-${i}`), props);
      if (i % 1000 === 999) await ch.waitForConfirms();
    }
    await ch.waitForConfirms();
    const publishMs = now() - tp0;
    const { startedAt } = await start(mainQ);
    const complete = await rcv.waitFor('ftp', N.throughput, DRAIN_TIMEOUT_MS);
    const { first } = firstReceipts((await rcv.dump('ftp')).records);
    const last = Math.max(...[...first.values()].map((r) => r.at));
    const throughput = {
      n: N.throughput,
      publishMs: round(publishMs),
      elapsedMs: round(last - startedAt),
      perSec: round((first.size / (last - startedAt)) * 1000, 0),
      delivered: first.size,
      complete,
    };
    await sleep(500);

    // Latency at the same rate: publish (confirm channel, not awaited) -> consume -> POST.
    const sent = new Map<string, number>();
    await openLoop(N.latency, N.rate, (i) => {
      const key = `flat-${i}`;
      sent.set(key, now());
      ch.sendToQueue(mainQ, body(key), props);
    });
    await ch.waitForConfirms();
    await rcv.waitFor('flat', N.latency, DRAIN_TIMEOUT_MS);
    const lat = latency(sent, (await rcv.dump('flat')).records);
    await sleep(500);

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
      latency: { n: N.latency, rate: N.rate, ...lat },
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

// ---------------------------------------------------------------- orchestration

interface Rep {
  floor?: FloorResult;
  throughput?: ThroughputResult;
  drain?: DrainResult;
  latency?: LatencyResult;
  fanout?: FanoutResult;
  isolation?: IsolationResult;
  controls?: { fifo: FifoBenchResult; rate: RateBenchResult };
  tenants?: TenantsBenchResult;
  errors: Record<string, string>;
}

async function attempt<T>(rep: Rep, name: string, fn: () => Promise<T>): Promise<T | undefined> {
  if (!ONLY.has(name)) return undefined;
  log(`${name}...`);
  const t = now();
  try {
    const r = await fn();
    log(`${name} done in ${((now() - t) / 1000).toFixed(1)} s: ${JSON.stringify(r).slice(0, 3000)}`);
    return r;
  } catch (err) {
    rep.errors[name] = (err as Error).message;
    log(`${name} FAILED: ${(err as Error).message}`);
    return undefined;
  }
}

async function runOnce(): Promise<Rep> {
  const rep: Rep = { errors: {} };
  rep.floor = await attempt(rep, 'floor', floor);
  rep.throughput = await attempt(rep, 'throughput', () => withHookline('tp', {}, hooklineThroughput));
  rep.drain = await attempt(rep, 'drain', () => withHookline('dr', {}, hooklineDrain));
  rep.latency = await attempt(rep, 'latency', () => withHookline('lat', {}, hooklineLatency));
  rep.fanout = await attempt(rep, 'fanout', () => withHookline('fan', {}, hooklineFanout));
  rep.isolation = await attempt(rep, 'isolation', () =>
    withHookline('iso', { DELIVERY_TIMEOUT_MS: '5000', EXTRA_EVENT_TYPES: 'bench_fast,bench_slow' }, hooklineIsolation),
  );
  // Delivery controls (bench/controls.ts): 10 FIFO subscriptions side by side, then a rate limit.
  rep.controls = await attempt(rep, 'controls', () =>
    withHookline('ctl', { EXTRA_EVENT_TYPES: CONTROLS_EVENT_TYPES.join(',') }, async (ctx) => {
      const c = { base: ctx.hl.base, namespace: ctx.namespace, rcv: ctx.rcv };
      const fifo = await fifoSideBySide(c, N.fifo);
      return { fifo, rate: await rateLimited(c, N.rateEvents, N.rateLimit) };
    }),
  );
  // Many tenants (bench/tenants.ts): compare its deliveries/s with 1b's.
  rep.tenants = await attempt(rep, 'tenants', () =>
    hooklineTenants({
      tenants: N.tenants,
      events: N.throughput,
      warm: N.warm,
      timeoutMs: DRAIN_TIMEOUT_MS,
      env: EXTRA_ENV,
    }),
  );
  return rep;
}

interface Row {
  scenario: string;
  unit: string;
  hookline: number;
  floor: number | null;
  ratio: number | null;
  target: string;
  higherIsBetter: boolean;
}

function table(reps: Rep[]): Row[] {
  const m = (f: (r: Rep) => number | undefined) =>
    median(reps.map(f).filter((x): x is number => typeof x === 'number'));
  const hl = {
    tp: m((r) => r.throughput?.perSec),
    drain: m((r) => r.drain?.perSec),
    p50: m((r) => r.latency?.p50),
    p99: m((r) => r.latency?.p99),
    fan: m((r) => r.fanout?.lastMs),
    isoA: m((r) => r.isolation?.without.p99),
    isoB: m((r) => r.isolation?.with.p99),
    fifo: m((r) => r.controls?.fifo.perSec),
    rate: m((r) => r.controls?.rate.achievedPerSec),
    tenants: m((r) => r.tenants?.perSec),
    tenantsIndex: m((r) => r.tenants?.indexMs),
  };
  const fl = {
    tp: m((r) => r.floor?.throughput.perSec),
    p50: m((r) => r.floor?.latency.p50),
    p99: m((r) => r.floor?.latency.p99),
    fan: m((r) => r.floor?.fanout.lastMs),
  };
  const ratio = (a: number, b: number) =>
    Number.isFinite(a) && Number.isFinite(b) && b !== 0 ? Number((a / b).toPrecision(3)) : null;
  const nn = (x: number) => (Number.isFinite(x) ? x : null);
  return [
    {
      scenario: `1. throughput, ${N.throughput} likes, 64 in flight`,
      unit: 'deliveries/s',
      hookline: hl.tp,
      floor: nn(fl.tp),
      ratio: ratio(hl.tp, fl.tp),
      target: '>= 5000',
      higherIsBetter: true,
    },
    {
      scenario: `1b. dispatcher alone: ${N.throughput} events published to RabbitMQ, no HTTP ingest`,
      unit: 'deliveries/s',
      hookline: hl.drain,
      floor: nn(fl.tp),
      ratio: ratio(hl.drain, fl.tp),
      target: 'ratio >= 0.5',
      higherIsBetter: true,
    },
    {
      scenario: `2. latency p50 @ ${N.rate}/s (${N.latency} events)`,
      unit: 'ms',
      hookline: hl.p50,
      floor: nn(fl.p50),
      ratio: ratio(fl.p50, hl.p50),
      target: '<= 5',
      higherIsBetter: false,
    },
    {
      scenario: `2. latency p99 @ ${N.rate}/s (${N.latency} events)`,
      unit: 'ms',
      hookline: hl.p99,
      floor: nn(fl.p99),
      ratio: ratio(fl.p99, hl.p99),
      target: '<= 25',
      higherIsBetter: false,
    },
    {
      scenario: `3. fan-out 1 event -> ${N.fanout} subscriptions, last receipt`,
      unit: 'ms',
      hookline: hl.fan,
      floor: nn(fl.fan),
      ratio: ratio(fl.fan, hl.fan),
      target: '< 1000',
      higherIsBetter: false,
    },
    {
      scenario: `4. isolation: fast p99, no hanging receiver (${N.isolation} @ ${N.isoRate}/s)`,
      unit: 'ms',
      hookline: hl.isoA,
      floor: null,
      ratio: null,
      target: '(baseline)',
      higherIsBetter: false,
    },
    {
      scenario: `4. isolation: fast p99, beside a hanging receiver`,
      unit: 'ms',
      hookline: hl.isoB,
      floor: null,
      ratio: ratio(hl.isoA, hl.isoB),
      target: 'ratio >= 0.5',
      higherIsBetter: false,
    },
    {
      scenario: `6. FIFO: 10 subscriptions side by side, ${N.fifo} events each, in total`,
      unit: 'deliveries/s',
      hookline: hl.fifo,
      floor: null,
      ratio: null,
      target: '(measured)',
      higherIsBetter: true,
    },
    {
      scenario: `7. rate limit ${N.rateLimit}/s, ${N.rateEvents} events: achieved (ratio: of the limit)`,
      unit: 'deliveries/s',
      hookline: hl.rate,
      floor: null,
      ratio: ratio(hl.rate, N.rateLimit),
      target: '<= limit in any 1 s',
      higherIsBetter: true,
    },
    {
      scenario: `8. ${N.tenants} tenants x 10 subscriptions, ${N.throughput} events for random tenants (ratio: of 1b)`,
      unit: 'deliveries/s',
      hookline: hl.tenants,
      floor: null,
      ratio: ratio(hl.tenants, hl.drain),
      target: 'ratio >= 0.9',
      higherIsBetter: true,
    },
    {
      scenario: `8. index of ${N.tenants * 10} subscriptions built from the snapshot`,
      unit: 'ms',
      hookline: hl.tenantsIndex,
      floor: null,
      ratio: null,
      target: '< 3000',
      higherIsBetter: false,
    },
  ];
}

function render(rows: Row[]): string {
  const fmt = (x: number | null) =>
    x === null || !Number.isFinite(x) ? 'n/a' : x >= 100 ? x.toFixed(0) : x >= 0.01 ? x.toFixed(2) : x.toPrecision(2);
  const cells = rows.map((r) => [`${r.scenario} [${r.unit}]`, fmt(r.hookline), fmt(r.floor), fmt(r.ratio), r.target]);
  const head = ['scenario', 'Hookline', 'floor', 'ratio', 'target'];
  const w = head.map((h, i) => Math.max(h.length, ...cells.map((c) => (c[i] as string).length)));
  const line = (c: string[]) =>
    `| ${c.map((x, i) => (i === 0 ? x.padEnd(w[i] as number) : x.padStart(w[i] as number))).join(' | ')} |`;
  return [
    line(head),
    `|${w.map((n, i) => (i === 0 ? `${'-'.repeat(n + 1)}-` : `${'-'.repeat(n + 1)}:`)).join('|')}|`,
    ...cells.map(line),
  ].join('\n');
}

const FOOTNOTE = [
  'Medians over the runs. ratio: higher is better. Throughput: Hookline / floor. Latency and fan-out: floor / Hookline.',
  'Isolation "beside a hanging receiver" row: p99 without / p99 with (>= 0.5 means within 2x).',
  'Hookline runs as `npm start` (one process, LOG_LEVEL=warn: the per-attempt info log line is off), default',
  'DELIVERY_CONCURRENCY/MAX_IN_FLIGHT_PER_SUBSCRIPTION; the floor is amqplib (prefetch 100) + keep-alive http POST.',
].join('\n');

async function profile(): Promise<void> {
  const dir = tempDir('cpuprof');
  const rep: Rep = { errors: {} };
  // `--only=drain` or `--only=latency` profiles that scenario instead of the throughput one.
  const scenarios = { throughput: hooklineThroughput, drain: hooklineDrain, latency: hooklineLatency } as const;
  const name = (['throughput', 'drain', 'latency'] as const).find((n) => ONLY.has(n)) ?? 'throughput';
  const scenario: (ctx: Ctx) => Promise<unknown> = scenarios[name];
  const r = await attempt(rep, name, () => withHookline('prof', {}, scenario, ['--cpu-prof', `--cpu-prof-dir=${dir}`]));
  process.stdout.write(`${name} with --cpu-prof: ${JSON.stringify(r)}\nprofiles in ${dir}\n`);
  process.stdout.write(summarizeProfiles(dir, 25));
}

/** `--from=<results.json>`: re-prints (and re-tabulates into) a results file without running anything. */
function rerender(file: string): void {
  const saved = JSON.parse(readFileSync(file, 'utf8')) as { reps: Rep[]; counts: typeof N; table: Row[] };
  Object.assign(N, saved.counts);
  saved.table = table(saved.reps);
  writeFileSync(file, `${JSON.stringify(saved, null, 2)}\n`);
  process.stdout.write(`${render(saved.table)}\n\n${FOOTNOTE}\n`);
}

async function main(): Promise<void> {
  const from = opt('from');
  if (from) return rerender(from);
  if (PROFILE) return profile();
  const started = new Date();
  log(`${QUICK ? 'quick' : 'full'} run, ${RUNS} repetition(s), counts ${JSON.stringify(N)}`);
  const reps: Rep[] = [];
  for (let i = 0; i < RUNS; i++) {
    log(`repetition ${i + 1} of ${RUNS}`);
    reps.push(await runOnce());
  }
  const rows = table(reps);
  const out = `${render(rows)}\n\n${FOOTNOTE}\n`;
  process.stdout.write(`\n${out}`);
  const result = {
    date: started.toISOString(),
    hooklineEnv: EXTRA_ENV,
    command: `npm run bench${argv.length ? ` -- ${argv.join(' ')}` : ''}`,
    quick: QUICK,
    runs: RUNS,
    counts: N,
    machine: {
      cpus: os.cpus().length,
      cpuModel: os.cpus()[0]?.model,
      loadavgAtStart: loadAtStart,
      loadavgAtEnd: os.loadavg(),
      totalMemMB: Math.round(os.totalmem() / 2 ** 20),
      platform: `${os.platform()} ${os.release()}`,
    },
    node: process.version,
    durationS: Math.round((Date.now() - started.getTime()) / 1000),
    table: rows,
    footnote: FOOTNOTE,
    reps,
  };
  if (!flag('no-write')) {
    const dir = join(ROOT, 'bench', 'results');
    mkdirSync(dir, { recursive: true });
    const file = join(dir, `${started.toISOString().slice(0, 10)}${QUICK ? '-quick' : ''}.json`);
    writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
    log(`wrote ${file}`);
  }
}

const loadAtStart = os.loadavg();
main().then(
  () => process.exit(0),
  (err: Error) => {
    process.stderr.write(`bench failed: ${err.stack ?? err.message}\n`);
    process.exit(1);
  },
);
