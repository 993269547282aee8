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
    // One document per delivery with its attempts inside (apps/dispatcher/src/store/models.ts).
    const deliveries = await db
      .collection('deliveries')
      .find(
        {},
        {
          projection: {
            _id: 1,
            'event.timestamp': 1,
            'event.data.photoId': 1,
            attempts: 1,
            'attemptLog.at': 1,
            'attemptLog.durationMs': 1,
          },
        },
      )
      .toArray();
    const { first } = firstReceipts(records);
    const s = {
      toEvent: [] as number[],
      toAttempt: [] as number[],
      http: [] as number[],
      toReceipt: [] as number[],
    };
    let parked = 0;
    let attempts = 0;
    for (const d of deliveries) {
      attempts += (d.attempts as number) ?? 0;
      const key = (d.event as { data?: { photoId?: string } })?.data?.photoId;
      if (!key) continue;
      const sent = sentAt.get(key);
      const rec = first.get(key);
      const log = (d.attemptLog ?? []) as Array<{ at: Date; durationMs: number }>;
      const att = log.reduce<{ at: Date; durationMs: number } | undefined>(
        (a, b) => (!a || b.at.getTime() < a.at.getTime() ? b : a),
        undefined,
      );
      if (sent === undefined || !rec || !att) continue;
      const evTs = Date.parse((d.event as { timestamp: string }).timestamp);
      const at = att.at.getTime();
      s.toEvent.push(evTs - sent);
      s.toAttempt.push(at - evTs);
      s.http.push(att.durationMs);
      s.toReceipt.push(rec.at - at);
      if (at - evTs >= 1000) parked++;
    }
    return {
      stages: {
        'client send -> event timestamp (photo-app)': stat(s.toEvent),
        'event timestamp -> first attempt started (publish+confirm, fanout queue, match, in-flight limit)': stat(
          s.toAttempt,
        ),
        'attempt started -> receipt': stat(s.toReceipt),
        'attempt HTTP duration (durationMs)': stat(s.http),
      },
      attempts,
      deliveries: deliveries.length,
      waitedOverParkMs: parked,
    };
  } finally {
    await client.close();
  }
}
