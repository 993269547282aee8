/**
 * Stage breakdown of Hookline deliveries from its own records (read after the run from the
 * embedded MongoDB): client send -> event timestamp (photo-app, before publishing) -> delivery
 * created (fan-out done) -> attempt started (slot taken in the deliver consumer) -> receipt.
 * MongoDB dates and the event timestamp have 1 ms resolution.
 */
import { MongoClient } from 'mongodb';
import type { Record_ } from './procs';
import { firstReceipts, percentile, round } from './stats';

export interface StageStats {
  p50: number;
  p99: number;
  mean: number;
}
export type Breakdown = Record<string, StageStats> & { parkedShare?: never };

const stat = (xs: number[]): StageStats => {
  const s = xs.filter(Number.isFinite).sort((a, b) => a - b);
  return {
    p50: round(percentile(s, 50)),
    p99: round(percentile(s, 99)),
    mean: round(s.reduce((a, b) => a + b, 0) / (s.length || 1)),
  };
};

export async function stageBreakdown(
  mongoUri: string,
  sentAt: Map<string, number>,
  records: Record_[],
): Promise<{ stages: Record<string, StageStats>; attempts: number; deliveries: number; waitedOverParkMs: number }> {
  const client = new MongoClient(mongoUri, { directConnection: true, serverSelectionTimeoutMS: 5000 });
  await client.connect();
  try {
    const db = client.db('hookline');
    const deliveries = await db
      .collection('deliveries')
      .find({}, { projection: { _id: 1, createdAt: 1, 'event.timestamp': 1, 'event.data.photoId': 1 } })
      .toArray();
    const attempts = await db
      .collection('delivery_attempts')
      .find({}, { projection: { deliveryId: 1, at: 1, durationMs: 1, attempt: 1 } })
      .toArray();
    const firstAttempt = new Map<string, { at: number; durationMs: number }>();
    for (const a of attempts) {
      const cur = firstAttempt.get(a.deliveryId as string);
      const at = (a.at as Date).getTime();
      if (!cur || at < cur.at) firstAttempt.set(a.deliveryId as string, { at, durationMs: a.durationMs as number });
    }
    const { first } = firstReceipts(records);
    const s = {
      toEvent: [] as number[],
      toCreated: [] as number[],
      toAttempt: [] as number[],
      http: [] as number[],
      toReceipt: [] as number[],
    };
    let parked = 0;
    for (const d of deliveries) {
      const key = (d.event as { data?: { photoId?: string } })?.data?.photoId;
      if (!key) continue;
      const sent = sentAt.get(key);
      const rec = first.get(key);
      const att = firstAttempt.get(d._id as unknown as string);
      if (sent === undefined || !rec || !att) continue;
      const evTs = Date.parse((d.event as { timestamp: string }).timestamp);
      const created = (d.createdAt as Date).getTime();
      s.toEvent.push(evTs - sent);
      s.toCreated.push(created - evTs);
      s.toAttempt.push(att.at - created);
      s.http.push(att.durationMs);
      s.toReceipt.push(rec.at - att.at);
      if (att.at - created >= 1000) parked++;
    }
    return {
      stages: {
        'client send -> event timestamp (photo-app)': stat(s.toEvent),
        'event timestamp -> delivery created (publish+confirm, fanout queue, fan-out)': stat(s.toCreated),
        'delivery created -> attempt started (deliver queue, in-flight limit, park)': stat(s.toAttempt),
        'attempt started -> receipt': stat(s.toReceipt),
        'attempt HTTP duration (durationMs)': stat(s.http),
      },
      attempts: attempts.length,
      deliveries: deliveries.length,
      waitedOverParkMs: parked,
    };
  } finally {
    await client.close();
  }
}
