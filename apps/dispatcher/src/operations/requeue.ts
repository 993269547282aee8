import type { Broker, TopologyNames } from '@hookline/broker';
import { DEFAULT_TENANT, type DeliveryTask, eventEnvelopeSchema } from '@hookline/contracts';
import type { DeliveryDoc, DeliveryModels, StoredStatus } from '../store/models';

/**
 * Puts deliveries back on the deliver queue with their original id (so the same `webhook-id`):
 * replay of one delivery, recovery of a subscription's failed ones, resumption of paused ones.
 * Each delivery is claimed with an atomic status change first, so when several dispatcher
 * instances react to the same trigger, each delivery is re-queued once.
 */
export class Requeuer {
  constructor(
    private readonly broker: Broker,
    private readonly names: TopologyNames,
    private readonly models: DeliveryModels,
  ) {}

  /** A new attempt now, whatever the delivery's status; the schedule starts over (a new round). */
  async replay(id: string): Promise<DeliveryDoc | null> {
    const doc = await this.models.Delivery.findOneAndUpdate(
      { _id: id },
      { $set: { status: 'pending', updatedAt: new Date(), nextAttemptAt: new Date() }, $inc: { rounds: 1 } },
      { returnDocument: 'after', lean: true },
    );
    if (!doc) return null;
    await this.publish(doc);
    return doc;
  }

  /** Re-queues every delivery of a subscription in `from` status created in [since, until]. */
  async requeueAll(subscriptionId: string, from: StoredStatus, since?: Date, until?: Date): Promise<number> {
    const filter: Record<string, unknown> = { subscriptionId, status: from };
    if (since || until) filter.createdAt = { ...(since ? { $gte: since } : {}), ...(until ? { $lte: until } : {}) };
    let count = 0;
    // One claim at a time: a claimed delivery no longer matches the filter, so the loop ends.
    for (;;) {
      const update =
        from === 'paused'
          ? { $set: { status: 'pending', updatedAt: new Date() } }
          : { $set: { status: 'pending', updatedAt: new Date() }, $inc: { rounds: 1 } };
      const doc = await this.models.Delivery.findOneAndUpdate(filter, update, {
        returnDocument: 'after',
        lean: true,
        sort: { createdAt: 1 },
      });
      if (!doc) return count;
      await this.publish(doc);
      count += 1;
    }
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
