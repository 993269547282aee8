import type { DeliveryTask } from '@hookline/contracts';
import type { AnyBulkWriteOperation } from 'mongoose';
import { WriteBatcher } from './batcher';
import type { AttemptDoc, DeliveryDoc, DeliveryModels, StoredStatus } from './models';

export interface AttemptRecord extends AttemptDoc {
  /** The delivery's status after this attempt. */
  status: StoredStatus;
}

function isDuplicateKeyOnly(err: unknown): boolean {
  const e = err as { code?: number; writeErrors?: Array<{ code?: number; err?: { code?: number } }> };
  if (e?.code === 11000 && !e.writeErrors) return true;
  return Array.isArray(e?.writeErrors) && e.writeErrors.every((w) => (w.code ?? w.err?.code) === 11000);
}

/**
 * Records deliveries and attempts in batches. Writes are idempotent: a redelivered event creates
 * the same delivery ids (duplicates are ignored) and a status never moves back from `delivered`.
 */
export class DeliveryStore {
  private readonly inserts: WriteBatcher<DeliveryDoc>;
  private readonly attempts: WriteBatcher<AttemptRecord>;

  constructor(private readonly models: DeliveryModels) {
    // Delivery records sit on the path from event to attempt: flushed per I/O turn, not per timer.
    this.inserts = new WriteBatcher(
      async (docs) => {
        try {
          await models.Delivery.collection.insertMany(docs as never[], { ordered: false });
        } catch (err) {
          if (!isDuplicateKeyOnly(err)) throw err;
        }
      },
      { maxItems: 500, maxDelayMs: 0 },
    );
    this.attempts = new WriteBatcher(async (records) => {
      const ops: AnyBulkWriteOperation<DeliveryDoc>[] = records.map((r) => ({
        updateOne: {
          // A late, duplicate attempt must not turn a delivered delivery back into pending/failed.
          filter:
            r.status === 'delivered' ? { _id: r.deliveryId } : { _id: r.deliveryId, status: { $ne: 'delivered' } },
          update: {
            $set: {
              status: r.status,
              updatedAt: r.at,
              lastAttemptAt: r.at,
              nextAttemptAt: r.nextAttemptAt,
              lastStatusCode: r.statusCode,
              lastError: r.error,
            },
            $inc: { attempts: 1 },
          },
        },
      }));
      const attemptDocs: AttemptDoc[] = records.map(({ status: _status, ...doc }) => doc);
      await Promise.all([
        models.Attempt.collection.insertMany(attemptDocs as never[], { ordered: false }),
        models.Delivery.collection.bulkWrite(ops as never[], { ordered: false }),
      ]);
    });
  }

  recordCreated(task: DeliveryTask, now = new Date()): Promise<void> {
    return this.inserts.add({
      _id: task.id,
      eventId: task.eventId,
      eventType: task.event.type,
      subscriptionId: task.subscriptionId,
      status: 'pending',
      attempts: 0,
      event: task.event,
      createdAt: now,
      updatedAt: now,
    });
  }

  recordAttempt(record: AttemptRecord): Promise<void> {
    return this.attempts.add(record);
  }

  /** Marks a delivery without an HTTP attempt (its subscription was deleted or is disabled). */
  async setStatus(deliveryId: string, status: StoredStatus, reason: string | null): Promise<void> {
    await this.models.Delivery.collection.updateOne(
      { _id: deliveryId as never, status: { $ne: 'delivered' } },
      { $set: { status, lastError: reason, updatedAt: new Date() } },
    );
  }

  async drain(): Promise<void> {
    await Promise.all([this.inserts.drain(), this.attempts.drain()]);
  }
}
