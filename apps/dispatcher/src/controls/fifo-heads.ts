import type { Connection } from 'mongoose';

export interface FifoHead {
  deliveryId: string;
  /** The last attempt made (1-indexed). */
  attempt: number;
  nextAttemptAt: Date;
}

/**
 * Where a FIFO subscription's head delivery stands between attempts (`fifo_heads`, one document per
 * subscription). Written only before a retry wait, read only when RabbitMQ redelivers the head (after
 * a crash, a lost connection, or the hold limit): a head that succeeds at once costs no write here.
 */
export interface FifoHeads {
  get(subscriptionId: string): Promise<FifoHead | null>;
  set(subscriptionId: string, head: FifoHead): Promise<void>;
}

export function mongoFifoHeads(db: Connection): FifoHeads {
  const coll = db.collection<{ _id: string } & FifoHead>('fifo_heads');
  return {
    async get(subscriptionId) {
      const doc = await coll.findOne({ _id: subscriptionId });
      return doc ? { deliveryId: doc.deliveryId, attempt: doc.attempt, nextAttemptAt: doc.nextAttemptAt } : null;
    },
    async set(subscriptionId, head) {
      await coll.updateOne({ _id: subscriptionId }, { $set: head }, { upsert: true });
    },
  };
}

/** For tests and a worker without MongoDB: the state dies with the process (a crash restarts the schedule). */
export function memoryFifoHeads(): FifoHeads {
  const heads = new Map<string, FifoHead>();
  return {
    get: async (id) => heads.get(id) ?? null,
    set: async (id, head) => {
      heads.set(id, head);
    },
  };
}
