/**
 * Many tenants: 10,000 tenants x 10 subscriptions (100,000), events for random tenants, fed straight
 * to the events exchange like scenario 1b (so the two compare: one delivery per event in both).
 * Subscription k of each tenant takes type `bench.k<k>`, and each event names a random tenant and a
 * random k, so every event matches exactly one subscription through the (tenant, type) index.
 *
 * The subscriptions are written to MongoDB before Hookline starts (100,000 POSTs would take minutes
 * and measure the subscription API, not matching), so the dispatcher builds its index from the
 * snapshot at start, as it does after any restart. `indexMs` is the dispatcher's own figure for that
 * (snapshot read and index built, from its `dispatcher.started` log line; under `npm start` the
 * subscription service hands the records over in-process). `httpIndexMs` is the path of a dispatcher
 * in a process of its own, timed here once Hookline is ready: read `GET /subscription/snapshot`,
 * parse every record, build a SubscriptionIndex.
 */
import { generateSecret } from '@hookline/signing';
import { deleteNamespace, uniqueNamespace } from '@hookline/testing';
import mongoose from 'mongoose';
import { httpSubscriptionSource } from '../apps/dispatcher/src/matching/snapshot-source';
import { SubscriptionIndex } from '../apps/dispatcher/src/matching/subscription-index';
import { now } from './lib/clock';
import { type CpuPerThousand, cpuWindow, perThousand, rabbitPid } from './lib/cpu';
import { type Hookline, ReceiverProc, startHookline, startMongo } from './lib/procs';
import { benchEventId, publishEnvelopes } from './lib/publish';
import { firstReceipts, round } from './lib/stats';

export interface TenantsBenchResult {
  tenants: number;
  subscriptions: number;
  seedMs: number;
  snapshotRecords: number;
  indexMs: number;
  httpIndexMs: number;
  n: number;
  publishMs: number;
  delivered: number;
  elapsedMs: number;
  perSec: number;
  complete: boolean;
  /** CPU ms per 1,000 deliveries by process, from the first publish to the last receipt (as 1b). */
  cpuPer1k: CpuPerThousand;
}

const PER_TENANT = 10;

/** Writes `tenants` tenants with PER_TENANT subscriptions each, all delivering to `url`. */
export async function seedTenants(mongoUri: string, tenants: number, url: string): Promise<number> {
  const t0 = now();
  // The database `npm start` uses (apps/hookline withDatabase) when the URL names none.
  const dbUrl = new URL(mongoUri);
  if (dbUrl.pathname === '' || dbUrl.pathname === '/') dbUrl.pathname = '/hookline';
  const conn = await mongoose.createConnection(dbUrl.toString()).asPromise();
  try {
    const at = new Date();
    const secret = generateSecret();
    const tenantDocs = Array.from({ length: tenants }, (_, t) => ({
      _id: `t${t}`,
      name: `Tenant ${t}`,
      tokenEpoch: at.getTime(),
      createdAt: at,
      updatedAt: at,
    }));
    await conn.collection('tenants').insertMany(tenantDocs as never[], { ordered: false });
    const batch = 10_000;
    for (let from = 0; from < tenants * PER_TENANT; from += batch) {
      const docs = [];
      for (let i = from; i < Math.min(from + batch, tenants * PER_TENANT); i++) {
        const t = Math.floor(i / PER_TENANT);
        const k = i % PER_TENANT;
        docs.push({
          // Any id the dispatcher accepts; ULIDs are not needed for matching.
          _id: `sub_T${String(t).padStart(5, '0')}K${k}`,
          tenant: `t${t}`,
          url,
          eventTypes: [`bench.k${k}`],
          secret,
          enabled: true,
          createdAt: at,
          updatedAt: at,
        });
      }
      await conn.collection('subscriptions').insertMany(docs as never[], { ordered: false });
    }
  } finally {
    await conn.close();
  }
  return now() - t0;
}

/** The dispatcher's start-up work, timed: snapshot over HTTP, parsed, indexed. */
export async function timeIndexBuild(base: string): Promise<{ records: number; ms: number; index: SubscriptionIndex }> {
  const t0 = now();
  const records = await httpSubscriptionSource(base, undefined).load();
  const index = new SubscriptionIndex();
  index.replaceWith(records, Date.now());
  return { records: records.length, ms: now() - t0, index };
}

/** Publishes `n` events for random tenants (1000 per confirm batch); returns the publish time. */
export function publishTenantEvents(namespace: string, n: number, tenants: number, prefix: string) {
  return publishEnvelopes(namespace, n, (i) => ({
    id: benchEventId(prefix, i),
    type: `bench.k${Math.floor(Math.random() * PER_TENANT)}`,
    tenant: `t${Math.floor(Math.random() * tenants)}`,
    timestamp: new Date().toISOString(),
    data: { photoId: `${prefix}-${i}` },
  }));
}

/**
 * The scenario: fresh MongoDB seeded with the tenants, then Hookline (as `npm start`), the index build
 * timed, a warm-up, then `events` events for random tenants; deliveries/s = delivered / (last receipt -
 * first publish), as in 1b.
 */
export async function hooklineTenants(o: {
  tenants: number;
  events: number;
  warm: number;
  timeoutMs: number;
  env?: Record<string, string>;
  /** Extra node flags for Hookline (`--profile` passes --cpu-prof). */
  nodeArgs?: string[];
}): Promise<TenantsBenchResult> {
  const namespace = uniqueNamespace('benchmt');
  const [mongo, rcv] = await Promise.all([startMongo(), ReceiverProc.start()]);
  let hl: Hookline | undefined;
  try {
    const url = await rcv.listen('ok');
    const seedMs = await seedTenants(mongo.uri, o.tenants, `${url}/`);
    // Info level for the start-up lines only: nothing logs at info per event or delivery.
    hl = await startHookline({
      mongoUri: mongo.uri,
      namespace,
      env: { LOG_LEVEL: 'info', ...o.env },
      nodeArgs: o.nodeArgs,
    });
    const started = hl.logLines().find((l) => l.msg === 'dispatcher.started');
    if (typeof started?.snapshotMs !== 'number' || started.subscriptions !== o.tenants * PER_TENANT)
      throw new Error(`no dispatcher.started line with snapshotMs for every subscription:\n${hl.logTail()}`);
    const built = await timeIndexBuild(hl.base);
    if (built.records !== o.tenants * PER_TENANT)
      throw new Error(`the snapshot holds ${built.records} subscriptions, not ${o.tenants * PER_TENANT}`);
    await publishTenantEvents(namespace, o.warm, o.tenants, 'mtw');
    if (!(await rcv.waitFor('mtw', o.warm, 60_000))) throw new Error(`warm-up incomplete\n${hl.logTail()}`);
    const cpu = cpuWindow({
      hookline: hl.proc.pid,
      mongo: mongo.proc.pid,
      rabbit: await rabbitPid(),
      receiver: rcv.rpc.proc.pid,
    });
    const { t0, publishMs } = await publishTenantEvents(namespace, o.events, o.tenants, 'mt');
    const complete = await rcv.waitFor('mt', o.events, o.timeoutMs);
    const cpuMs = await cpu.end();
    const { first } = firstReceipts((await rcv.dump('mt')).records);
    const elapsedMs = Math.max(...[...first.values()].map((r) => r.at)) - t0;
    return {
      tenants: o.tenants,
      subscriptions: o.tenants * PER_TENANT,
      seedMs: round(seedMs),
      snapshotRecords: built.records,
      indexMs: round(started.snapshotMs),
      httpIndexMs: round(built.ms),
      n: o.events,
      publishMs: round(publishMs),
      delivered: first.size,
      elapsedMs: round(elapsedMs),
      perSec: round((first.size / elapsedMs) * 1000, 0),
      complete,
      cpuPer1k: perThousand(cpuMs, first.size),
    };
  } finally {
    await hl?.stop().catch(() => {});
    await Promise.all([mongo.stop().catch(() => {}), rcv.stop().catch(() => {})]);
    await deleteNamespace(namespace);
  }
}
