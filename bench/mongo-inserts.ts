/**
 * The embedded MongoDB alone under the dispatcher's writes: delivery records as the delivery store
 * inserts them (bulk writes of 50, 4 at a time, into `deliveries` with the dispatcher's own indexes),
 * and the CPU the MongoDB process spends per 1,000. Not a scenario of `npm run bench`: a tool for
 * comparing two versions of packages/embedded-mongo, run in each checkout, alternating:
 *
 *   node --conditions=hookline-src --import tsx bench/mongo-inserts.ts [records per run, 30000] [runs, 3]
 */
import mongoose from 'mongoose';
import { deliveryModels } from '../apps/dispatcher/src/store/models';
import { ownCpuMs } from './lib/cpu';
import { startMongo } from './lib/procs';
import { median, round } from './lib/stats';

const BATCH = 50;
const LANES = 4;

let next = 0;
/** A delivered first attempt, the shape `DeliveryStore` inserts. */
function deliveryRecord(): Record<string, unknown> {
  const i = next++;
  const at = new Date();
  const event = { id: `evt_${i}`, type: 'LIKED_PHOTO', timestamp: at.toISOString(), data: { photoId: String(i) } };
  return {
    _id: `dlv_${i.toString(36)}_${Math.random().toString(36).slice(2)}`,
    eventId: event.id,
    eventType: event.type,
    subscriptionId: `sub_${i % 3}`,
    tenant: 'default',
    event,
    createdAt: at,
    rounds: 0,
    status: 'delivered',
    seq: 3,
    lastError: null,
    updatedAt: at,
    lastAttemptAt: at,
    nextAttemptAt: null,
    lastStatusCode: 200,
    attempts: 1,
    attemptLog: [
      {
        attempt: 1,
        round: 0,
        at,
        durationMs: 2,
        statusCode: 200,
        error: null,
        responseBody: 'ok',
        nextAttemptAt: null,
        requestHeaders: { 'content-type': 'application/json', 'webhook-id': `dlv_${i}`, 'webhook-signature': '…' },
        responseHeaders: { 'content-length': '2', 'content-type': 'text/plain' },
      },
    ],
  };
}

async function main(): Promise<void> {
  const n = Number(process.argv[2] ?? 30_000);
  const runs = Number(process.argv[3] ?? 3);
  const mongo = await startMongo();
  const db = mongoose.createConnection(`${mongo.uri}/bench`);
  try {
    const { Delivery } = deliveryModels(db, 30);
    await Delivery.init(); // the dispatcher's indexes
    const insert = (count: number) =>
      Promise.all(
        Array.from({ length: LANES }, async () => {
          for (let done = 0; done < count / LANES; done += BATCH) {
            const ops = Array.from({ length: BATCH }, () => ({ insertOne: { document: deliveryRecord() } }));
            await Delivery.collection.bulkWrite(ops as never[], { ordered: false });
          }
        }),
      );
    await insert(2000); // warm-up
    const perThousand: number[] = [];
    for (let r = 0; r < runs; r++) {
      const before = ownCpuMs(mongo.proc.pid as number);
      await insert(n);
      perThousand.push(round((ownCpuMs(mongo.proc.pid as number) - before) / (n / 1000), 1));
    }
    console.log(JSON.stringify({ records: n, mongoCpuMsPer1k: perThousand, median: median(perThousand) }));
  } finally {
    await db.close();
    await mongo.stop();
  }
}

void main();
