import type { DeliveryTask } from '@hookline/contracts';
import type { AnyBulkWriteOperation } from 'mongoose';
import { WriteBatcher } from './batcher';
import { ATTEMPTS_KEPT, type AttemptDoc, type DeliveryDoc, type DeliveryModels, type StoredStatus } from './models';
import { stageOf, statusSequence } from './status-sequence';

export interface AttemptRecord extends AttemptDoc {
  deliveryId: string;
  subscriptionId: string;
  /** The delivery's status after this attempt. */
  status: StoredStatus;
  /** What the delivery record is created from if this is its first write. */
  task: DeliveryTask;
}

/** The record of one HTTP attempt of `task`, made at `at`, leaving the delivery in `outcome.status`. */
export function attemptRecord(
  task: DeliveryTask,
  at: Date,
  sent: Pick<AttemptDoc, 'durationMs' | 'responseBody' | 'requestHeaders' | 'responseHeaders' | 'requestBody'> & {
    status: number | null;
  },
  outcome: { status: StoredStatus; error: string | null; nextAttemptAt: Date | null },
): AttemptRecord {
  return {
    deliveryId: task.id,
    subscriptionId: task.subscriptionId,
    attempt: task.attempt,
    round: task.round,
    at,
    durationMs: sent.durationMs,
    statusCode: sent.status,
    error: outcome.error,
    responseBody: sent.responseBody,
    ...(sent.requestHeaders ? { requestHeaders: sent.requestHeaders } : {}),
    ...(sent.responseHeaders ? { responseHeaders: sent.responseHeaders } : {}),
    ...(sent.requestBody !== undefined ? { requestBody: sent.requestBody } : {}),
    nextAttemptAt: outcome.nextAttemptAt,
    status: outcome.status,
    task,
  };
}

/** One write to a delivery's document: a status, with or without an attempt. */
interface DeliveryWrite {
  task: DeliveryTask;
  status: StoredStatus;
  at: Date;
  reason: string | null;
  attempt?: AttemptDoc;
}

/**
 * How long writes wait for company before a batch goes out. Records are off the path to the receiver
 * (they are written after the attempt) and only delay acks, so a 10 ms window batches them at moderate
 * rates too: a command costs the client about as much CPU for one record as for fifty.
 */
const BATCH_WINDOW_MS = 10;
const RETRY_MAX_MS = 2000;

/** The positions, in the operations of a bulk write, of the items that failed. */
function failedIndexes(err: unknown): number[] {
  const errors = (err as { writeErrors?: Array<{ index?: number; err?: { index?: number } }> }).writeErrors;
  return (errors ?? []).map((w) => w.index ?? w.err?.index ?? -1).filter((i) => i >= 0);
}

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

/** A delivery's creation fields: what its first write stores whatever its status. */
function creationFields(w: DeliveryWrite) {
  const { task } = w;
  return {
    eventId: task.eventId,
    eventType: task.event.type,
    subscriptionId: task.subscriptionId,
    tenant: task.tenant,
    event: task.event,
    createdAt: w.at,
    rounds: task.round,
  };
}

/** The status fields a write sets, with its place in the delivery's order of writes (`seq`). */
function statusFields(w: DeliveryWrite): Partial<DeliveryDoc> {
  const { task, attempt } = w;
  const seq = statusSequence(task.round, task.attempt, stageOf(w.status, attempt !== undefined));
  const status: Partial<DeliveryDoc> = { status: w.status, seq, lastError: w.reason, updatedAt: w.at };
  if (attempt) {
    status.lastAttemptAt = attempt.at;
    status.nextAttemptAt = attempt.nextAttemptAt;
    status.lastStatusCode = attempt.statusCode;
  }
  return status;
}

/**
 * Whether a write is most likely its delivery's first: the first attempt of the first round, not
 * parked before it nor recorded as pending when it was queued. That is the common case by far (the
 * fan-out attempts each delivery itself and writes its record once, after the attempt), and for it a
 * plain insert does what the guarded upsert below would do for a new document, at a fraction of the
 * cost to MongoDB (no pipeline to evaluate) and to the dispatcher (a smaller command). When the
 * document exists after all (a duplicate after a crash, a task queued before `recorded` existed), the
 * insert fails with a duplicate key and the write is made again as the guarded upsert: the order of
 * writes still decides.
 */
function isLikelyFirstWrite(w: DeliveryWrite): boolean {
  return w.attempt !== undefined && w.task.attempt === 1 && w.task.round === 0 && !w.task.parked && !w.task.recorded;
}

/** A first write as a whole document: exactly what `guardedUpsert` makes of it when none exists. */
function insertion(w: DeliveryWrite): AnyBulkWriteOperation<DeliveryDoc> {
  const document = {
    _id: w.task.id,
    ...creationFields(w),
    ...statusFields(w),
    attempts: 1,
    attemptLog: [w.attempt],
  };
  return { insertOne: { document } } as AnyBulkWriteOperation<DeliveryDoc>;
}

/**
 * The one operation of one write: an upsert on `_id` alone whose update is an aggregation pipeline, so
 * it reads the stored sequence and applies this write's status only if it is newer. Correct in whichever
 * order MongoDB applies writes (the batch is unordered; several instances write), and race-free on a
 * real MongoDB: equality on `_id` only, so concurrent upserts of one new id never race into a
 * duplicate-key error (the server retries those), and nothing reads one as a state.
 * - a new document gets the creation fields and this write's status;
 * - an existing one keeps its fields, takes this write's status fields only if `seq` is older;
 * - an attempt is appended (the last ATTEMPTS_KEPT kept) and counted either way.
 * Everything this write brings is `$literal`: a payload string starting with `$` is data, not a path.
 */
function guardedUpsert(w: DeliveryWrite): AnyBulkWriteOperation<DeliveryDoc> {
  const { task, attempt } = w;
  const status = statusFields(w);
  const seq = status.seq as number;
  // Creation fields only: the status fields come from the conditional below (a new document has no
  // `seq`, so this write is newer), the counters from their own expressions.
  const create = creationFields(w);
  const newer = { $lt: [{ $ifNull: ['$seq', -1] }, seq] };
  const counters = attempt
    ? {
        attempts: { $add: [{ $ifNull: ['$attempts', 0] }, 1] },
        attemptLog: {
          $slice: [{ $concatArrays: [{ $ifNull: ['$attemptLog', []] }, { $literal: [attempt] }] }, -ATTEMPTS_KEPT],
        },
      }
    : { attempts: { $ifNull: ['$attempts', 0] }, attemptLog: { $ifNull: ['$attemptLog', []] } };
  return {
    updateOne: {
      filter: { _id: task.id },
      update: [
        {
          $replaceWith: {
            // `_id` first, as mongod stores it; the stored fields win over the creation ones.
            $mergeObjects: [
              { _id: '$_id' },
              { $literal: create },
              '$$ROOT',
              { $cond: [newer, { $literal: status }, {}] },
              counters,
            ],
          },
        },
      ],
      upsert: true,
    },
  } as AnyBulkWriteOperation<DeliveryDoc>;
}

/**
 * Records deliveries in batches (one unordered bulk write per batch), after the attempt: the receiver
 * never waits for MongoDB, the ack does. A write retries until it is durable (MongoDB down: the
 * consumer holds its message meanwhile, it does not requeue it), or until `stopRetrying`.
 */
export class DeliveryStore {
  private readonly batch: WriteBatcher<DeliveryWrite>;
  private stopping = false;
  private readonly wakers = new Set<() => void>();
  /**
   * Whether the last batch written succeeded. While MongoDB fails, a wide fan-out writes records
   * before publishing, so an event it must requeue has published nothing.
   */
  writable = true;

  constructor(models: DeliveryModels) {
    /** One unordered bulk write; duplicate keys alone are no failure (see isDuplicateKeyOnly) and are returned. */
    const write = async (ops: AnyBulkWriteOperation<DeliveryDoc>[]): Promise<unknown> => {
      try {
        await models.Delivery.collection.bulkWrite(ops as never[], { ordered: false });
        return undefined;
      } catch (err) {
        if (!isDuplicateKeyOnly(err)) {
          this.writable = false;
          throw err;
        }
        return err;
      }
    };
    this.batch = new WriteBatcher(
      async (writes) => {
        const insertions = writes.map(isLikelyFirstWrite);
        const duplicates = await write(writes.map((w, i) => (insertions[i] ? insertion(w) : guardedUpsert(w))));
        if (duplicates) {
          // An insertion that met its document is written again as the guarded upsert. A duplicate-key
          // error that names no items makes every insertion again (the guarded upsert of one that did
          // go in appends its attempt a second time; none is lost).
          const failed = failedIndexes(duplicates);
          const again = writes.filter((_, i) => insertions[i] && (failed.length === 0 || failed.includes(i)));
          if (again.length > 0) await write(again.map(guardedUpsert));
        }
        this.writable = true;
      },
      { maxItems: 500, maxDelayMs: BATCH_WINDOW_MS },
    );
  }

  /** A delivery queued (a wide fan-out's message, a parked delivery): pending, no attempt. */
  recordCreated(task: DeliveryTask, now = new Date()): Promise<void> {
    return this.durably({ task, status: 'pending', at: now, reason: null });
  }

  recordAttempt(r: AttemptRecord): Promise<void> {
    const { deliveryId: _d, subscriptionId: _s, status, task, ...attempt } = r;
    return this.durably({ task, status, at: r.at, reason: r.error, attempt });
  }

  /** Marks a delivery without an HTTP attempt (its subscription is disabled, or unknown). */
  setStatus(task: DeliveryTask, status: StoredStatus, reason: string | null): Promise<void> {
    return this.durably({ task, status, at: new Date(), reason });
  }

  private async durably(write: DeliveryWrite): Promise<void> {
    for (let delay = 100; ; delay = Math.min(delay * 2, RETRY_MAX_MS)) {
      try {
        return await this.batch.add(write);
      } catch (err) {
        if (this.stopping) throw err;
        await new Promise<void>((resolve) => {
          const wake = () => {
            clearTimeout(timer);
            this.wakers.delete(wake);
            resolve();
          };
          const timer = setTimeout(wake, delay);
          this.wakers.add(wake);
        });
        if (this.stopping) throw err;
      }
    }
  }

  /** Writes that fail from now on reject instead of retrying: their messages go back to RabbitMQ. */
  stopRetrying(): void {
    this.stopping = true;
    for (const wake of [...this.wakers]) wake();
  }

  async drain(): Promise<void> {
    await this.batch.drain();
  }
}
