import type { Broker, TopologyNames } from '@hookline/broker';
import { DEFAULT_TENANT, type DeliveryTask, eventEnvelopeSchema } from '@hookline/contracts';
import type { AnyBulkWriteOperation } from 'mongoose';
import type { DeliveryDoc, DeliveryModels, StoredStatus } from '../store/models';
import { statusSequence } from '../store/status-sequence';

/** How long a requeue holds a claimed delivery before another instance may claim it again. */
const CLAIM_MS = 30_000;

/**
 * Puts deliveries back on the deliver queue with their original id (so the same `webhook-id`):
 * replay of one delivery, recovery of a subscription's failed ones, resumption of paused ones.
 * Each starts a new round (the schedule starts over; the attempt log tells rounds apart).
 *
 * A delivery is claimed first with an atomic lease (`claimedUntil`), so when several dispatcher
 * instances react to the same trigger each delivery is re-queued once; it is marked `pending` only
 * after RabbitMQ has confirmed its message. A process dying in between leaves it in its old status
 * with a lease that expires: the next trigger (a resync, another resume) takes it again. Nothing is
 * stranded as `pending` with no message behind it.
 */
export class Requeuer {
  constructor(
    private readonly broker: Broker,
    private readonly names: TopologyNames,
    private readonly models: DeliveryModels,
  ) {}

  /** A new attempt now, whatever the delivery's status. */
  async replay(id: string): Promise<DeliveryDoc | null> {
    const doc = await this.models.Delivery.findOneAndUpdate(
      { _id: id },
      { $inc: { rounds: 1 } },
      { returnDocument: 'after', lean: true, projection: { attemptLog: 0 } },
    );
    if (!doc) return null;
    await this.publish(doc);
    await this.markPending(doc);
    return doc;
  }

  /** Re-queues every delivery of a subscription in `from` status created in [since, until]. */
  async requeueAll(subscriptionId: string, from: StoredStatus, since?: Date, until?: Date): Promise<number> {
    const window =
      since || until ? { createdAt: { ...(since ? { $gte: since } : {}), ...(until ? { $lte: until } : {}) } } : {};
    let count = 0;
    // One claim at a time: a claimed delivery no longer matches the filter, so the loop ends.
    for (;;) {
      const now = new Date();
      const doc = await this.models.Delivery.findOneAndUpdate(
        {
          subscriptionId,
          status: from,
          ...window,
          $or: [{ claimedUntil: null }, { claimedUntil: { $lt: now } }],
        },
        { $set: { claimedUntil: new Date(now.getTime() + CLAIM_MS) }, $inc: { rounds: 1 } },
        { returnDocument: 'after', lean: true, sort: { createdAt: 1 }, projection: { attemptLog: 0 } },
      );
      if (!doc) return count;
      try {
        await this.publish(doc);
      } catch (err) {
        // Not re-queued: release the claim so the next trigger (a resync, another resume) takes it at once.
        await this.models.Delivery.updateOne({ _id: doc._id }, { $unset: { claimedUntil: '' } }).catch(() => {});
        throw err;
      }
      await this.markPending(doc);
      count += 1;
    }
  }

  /** Subscriptions that have paused deliveries (the partial index on paused deliveries answers it). */
  async pausedSubscriptions(): Promise<string[]> {
    return (await this.models.Delivery.distinct('subscriptionId', { status: 'paused' })) as string[];
  }

  /** Pending in the new round, unless an attempt of that round has been recorded already. */
  private async markPending(doc: DeliveryDoc): Promise<void> {
    const seq = statusSequence(doc.rounds ?? 0, 0, 'queued');
    const now = new Date();
    const ops: AnyBulkWriteOperation<DeliveryDoc>[] = [
      {
        updateOne: {
          filter: { _id: doc._id, seq: { $lt: seq } },
          update: { $set: { status: 'pending', seq, updatedAt: now, nextAttemptAt: now, lastError: null } },
        },
      },
      { updateOne: { filter: { _id: doc._id }, update: { $unset: { claimedUntil: '' } } } },
    ];
    await this.models.Delivery.collection.bulkWrite(ops as never[], { ordered: false });
  }

  private async publish(doc: DeliveryDoc): Promise<void> {
    const task: DeliveryTask = {
      id: doc._id,
      eventId: doc.eventId,
      subscriptionId: doc.subscriptionId,
      tenant: doc.tenant ?? DEFAULT_TENANT,
      attempt: 1,
      round: doc.rounds ?? 0,
      parked: 0,
      event: eventEnvelopeSchema.parse(doc.event),
    };
    await this.broker.publish(
      this.names.deliveriesExchange,
      this.names.deliverRoutingKey,
      Buffer.from(JSON.stringify(task)),
      {
        messageId: task.id,
        contentType: 'application/json',
      },
    );
  }
}
