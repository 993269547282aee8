/** One Hookline as `npm start` runs it, with its own MongoDB and receiver, for one scenario; shared helpers. */
import { deleteNamespace, RABBITMQ_URL, uniqueNamespace } from '@hookline/testing';
import { type Client, client, closedLoop } from './client';
import { now } from './lib/clock';
import { type CpuPerThousand, type CpuPids, type cpuWindow, perThousand, rabbitPid } from './lib/cpu';
import { type Hookline, type Mongo, ReceiverProc, type Record_, startHookline, startMongo } from './lib/procs';
import { firstReceipts, round } from './lib/stats';
import { renderTrace, startTrace } from './lib/trace';
import { DRAIN_TIMEOUT_MS, EXTRA_ENV, log, N, TRACE } from './options';

export interface Ctx {
  hl: Hookline;
  rcv: ReceiverProc;
  http: Client;
  mongoUri: string;
  namespace: string;
  /** Key prefix the --trace timeline counts receipts of. */
  tracePrefix: string;
  /** Hookline, its MongoDB, the RabbitMQ node and the receiver, for the CPU columns. */
  pids: CpuPids;
}

/** A fresh embedded MongoDB, namespace, receiver process and Hookline (as `npm start`) per scenario. */
export async function withHookline<T>(
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
    const pids: CpuPids = {
      hookline: hl.proc.pid,
      mongo: mongo.proc.pid,
      rabbit: await rabbitPid(),
      receiver: rcv.rpc.proc.pid,
    };
    const ctx: Ctx = { hl, rcv, http: c, mongoUri: mongo.uri, namespace, tracePrefix: 'tp', pids };
    if (!TRACE) return await fn(ctx);
    const names = ['fanout', 'deliver', 'park', 'dead'].map((q) => `${namespace}.${q}`);
    const trace = await startTrace({
      amqpUrl: RABBITMQ_URL,
      pids: { ...pids, bench: process.pid },
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

/** `rules`: a filter, a transform, or anything else POST /subscription takes. */
export async function createSubscription(
  base: string,
  url: string,
  eventTypes: string[],
  rules: Record<string, unknown> = {},
): Promise<string> {
  const r = await fetch(`${base}/subscription`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ url, eventTypes, ...rules }),
  });
  if (r.status !== 201) throw new Error(`POST /subscription: ${r.status} ${await r.text()}`);
  return ((await r.json()) as { id: string }).id;
}

/** JIT and socket warm-up: `n` likes at full speed, all received, before anything is timed. */
export async function warmUp(
  ctx: Ctx,
  n: number,
  send: (i: number) => Promise<number>,
  prefix = 'warm',
): Promise<void> {
  await closedLoop(n, 32, async (i) => {
    await send(i);
  });
  if (!(await ctx.rcv.waitFor(prefix, n, 60_000))) {
    throw new Error(
      `warm-up: ${(await ctx.rcv.count(prefix)).count} of ${n} received in 60 s; ${await failingSummary(ctx)}\n${ctx.hl.logTail()}`,
    );
  }
}

/** What Hookline says about deliveries that did not arrive (GET /deliveries), for an incomplete batch's message. */
export async function failingSummary(ctx: Ctx): Promise<string> {
  const parts: string[] = [];
  for (const status of ['failed', 'pending']) {
    try {
      const r = await fetch(`${ctx.hl.base}/deliveries?status=${status}&limit=2`);
      const { data } = (await r.json()) as { data?: { id: string; attempts?: number; lastError?: string | null }[] };
      parts.push(`${status}: ${JSON.stringify(data?.map((d) => ({ id: d.id, lastError: d.lastError })) ?? r.status)}`);
    } catch (err) {
      parts.push(`GET /deliveries?status=${status}: ${(err as Error).message}`);
    }
  }
  return parts.join('; ').slice(0, 1500);
}

/** What the receiver saw of one batch: see receiptRate. */
export interface ReceiptRate {
  delivered: number;
  duplicates: number;
  elapsedMs: number;
  perSec: number;
  complete: boolean;
  /** CPU ms per 1,000 deliveries by process, from the first send to the last receipt. */
  cpuPer1k: CpuPerThousand;
}

/** One subscription to LIKED_PHOTO (with `rules`, if any) on an answering receiver, warmed up with likes. */
export async function oneSubscriptionWarm(ctx: Ctx, rules: Record<string, unknown> = {}): Promise<void> {
  const url = await ctx.rcv.listen('ok');
  await createSubscription(ctx.hl.base, `${url}/`, ['LIKED_PHOTO'], rules);
  await warmUp(ctx, N.warm, (i) => ctx.http.request(ctx.hl.base, 'POST', `/like/warm-${i}`));
}

/** Receipts that stopped coming for this long will not come (failed deliveries are not retried). */
const STALL_MS = 30_000;

/**
 * Waits for `n` receipts under `prefix`, up to DRAIN_TIMEOUT_MS, but gives up (false) once the count has
 * not moved for STALL_MS: a delivery that failed for good would otherwise hold the run for the whole timeout.
 */
export async function waitWhileProgressing(rcv: ReceiverProc, prefix: string, n: number): Promise<boolean> {
  const deadline = now() + DRAIN_TIMEOUT_MS;
  let last = -1;
  let lastChange = now();
  while (now() < deadline) {
    if (await rcv.waitFor(prefix, n, 5000)) return true;
    const { count } = await rcv.count(prefix);
    if (count !== last) {
      last = count;
      lastChange = now();
    } else if (now() - lastChange > STALL_MS) return false;
  }
  return false;
}

/**
 * Waits for `expected` receipts under `prefix`; the rate is first receipts / (last receipt - t0).
 * `cpu` is the CPU window opened at t0, closed once the receipts are in.
 */
export async function receiptRate(
  ctx: Ctx,
  prefix: string,
  expected: number,
  t0: number,
  cpu: ReturnType<typeof cpuWindow>,
): Promise<ReceiptRate & { records: Record_[] }> {
  const complete = await waitWhileProgressing(ctx.rcv, prefix, expected);
  const cpuMs = await cpu.end();
  if (!complete) log(`${prefix}: incomplete; ${await failingSummary(ctx)}`);
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
    cpuPer1k: perThousand(cpuMs, first.size),
  };
}
