import type { DeliveryTask } from '@hookline/contracts';
import type { AnyBulkWriteOperation } from 'mongoose';
import { WriteBatcher } from './batcher';
import type { AttemptDoc, DeliveryDoc, DeliveryModels, StoredStatus } from './models';

export interface AttemptRecord extends AttemptDoc {
  /** The delivery's status after this attempt. */
  status: StoredStatus;
  /** What the delivery record is created from if the attempt is written before it. */
  task: DeliveryTask;
}

/**
 * How long writes wait for company before a batch goes out. Records are off the path to the receiver
 * (the fan-out publishes meanwhile) and only delay acks, so a 10 ms window batches them at moderate
 * rates too: a command costs the client about as much CPU for one record as for fifty.
 */
const BATCH_WINDOW_MS = 10;

/**
 * Whether a write failed only because records already exist (code 11000 on every failed item). The
 * driver also throws bulk errors with an EMPTY `writeErrors` list for network and server-selection
 * failures, and with a write-concern error beside them: neither is a duplicate.
 */
export function isDuplicateKeyOnly(err: unknown): boolean {
  const e = err as {
    code?: number;
    writeErrors?: Array<{ code?: number; err?: { code?: number } }>;
    writeConcernError?: unknown;
    result?: { getWriteConcernError?: () => unknown };
  };
  if (e?.writeConcernError || e?.result?.getWriteConcernError?.()) return false;
  if (e?.code === 11000 && !e.writeErrors) return true;
  return (
    Array.isArray(e?.writeErrors) &&
    e.writeErrors.length > 0 &&
    e.writeErrors.every((w) => (w.code ?? w.err?.code) === 11000)
  );
}

/** A write that may find its records already there: duplicate keys count as done, anything else fails. */
async function ignoringDuplicates(write: Promise<unknown>): Promise<void> {
  try {
    await write;
  } catch (err) {
    if (!isDuplicateKeyOnly(err)) throw err;
  }
}

/** The fields a delivery record is created with, from its task. */
function creationFields(task: DeliveryTask, now: Date) {
  return {
    eventId: task.eventId,
    eventType: task.event.type,
    subscriptionId: task.subscriptionId,
    tenant: task.tenant,
    event: task.event,
    createdAt: now,
  };
}

/**
 * Records deliveries and attempts in batches. Writes are idempotent: a redelivered event creates
 * the same delivery ids (duplicates are ignored) and a status never moves back from `delivered`.
 *
 * The fan-out publishes a delivery while its record is still being written (the record is not on
 * the path to the receiver), so an attempt may finish first: attempt and status writes therefore
 * upsert the record, and the fan-out's later insert is then a duplicate, ignored. A duplicate key on
 * such an upsert means the record exists as `delivered`, which must not change.
 */
export class DeliveryStore {
  private readonly inserts: WriteBatcher<DeliveryDoc>;
  private readonly attempts: WriteBatcher<AttemptRecord>;
  /**
   * Whether the last batch written succeeded. While MongoDB fails, the fan-out writes records before
   * publishing, so an event it must requeue has published nothing (no duplicates on every retry).
   */
  writable = true;

  constructor(private readonly models: DeliveryModels) {
    this.inserts = this.batcher((docs) =>
      ignoringDuplicates(models.Delivery.collection.insertMany(docs as never[], { ordered: false })),
    );
    this.attempts = this.batcher((records) => {
      const ops: AnyBulkWriteOperation<DeliveryDoc>[] = records.map(({ task, ...r }) => ({
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
            $setOnInsert: creationFields(task, r.at),
          },
          upsert: true,
        },
      }));
      const attemptDocs: AttemptDoc[] = records.map(({ status: _status, task: _task, ...doc }) => doc);
      return Promise.all([
        models.Attempt.collection.insertMany(attemptDocs as never[], { ordered: false }),
        ignoringDuplicates(models.Delivery.collection.bulkWrite(ops as never[], { ordered: false })),
      ]);
    });
  }

  /** A batched writer whose every outcome keeps `writable` current. */
  private batcher<T>(write: (items: T[]) => Promise<unknown>): WriteBatcher<T> {
    return new WriteBatcher(
      async (items) => {
        try {
          await write(items);
        } catch (err) {
          this.writable = false;
          throw err;
        }
        this.writable = true;
      },
      { maxItems: 500, maxDelayMs: BATCH_WINDOW_MS },
    );
  }

  recordCreated(task: DeliveryTask, now = new Date()): Promise<void> {
    return this.inserts.add({
      _id: task.id,
      ...creationFields(task, now),
      status: 'pending',
      attempts: 0,
      updatedAt: now,
    });
  }

  recordAttempt(record: AttemptRecord): Promise<void> {
    return this.attempts.add(record);
  }

  /** Marks a delivery without an HTTP attempt (its subscription was deleted or is disabled). */
  async setStatus(task: DeliveryTask, status: StoredStatus, reason: string | null): Promise<void> {
    const now = new Date();
    await ignoringDuplicates(
      this.models.Delivery.collection.updateOne(
        { _id: task.id as never, status: { $ne: 'delivered' } },
        {
          $set: { status, lastError: reason, updatedAt: now },
          $setOnInsert: { ...creationFields(task, now), attempts: 0 },
        },
        { upsert: true },
      ),
    );
  }

  async drain(): Promise<void> {
    await Promise.all([this.inserts.drain(), this.attempts.drain()]);
  }
}
