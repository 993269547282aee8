import { type Connection, type Model, Schema } from 'mongoose';
import { WriteBatcher } from '../store/batcher';

interface HealthDoc {
  _id: string;
  failingSince: Date;
}

/**
 * Auto-disable: how long each subscription has failed without a single 2xx in between. Kept in
 * MongoDB so every dispatcher instance shares one clock; a local cache means a healthy
 * subscription costs no write per delivery, only a failure that starts or ends a streak does.
 */
export class FailureClock {
  private readonly model: Model<HealthDoc>;
  private readonly cache = new Map<string, Date | null>();
  /**
   * Resets of subscriptions this instance has not seen succeed yet, one deleteMany per batch: with
   * many subscriptions (100,000 across 10,000 tenants) nearly every delivery is some subscription's
   * first success, and one delete each would be a database write per delivery.
   */
  private readonly resets: WriteBatcher<string>;

  constructor(
    db: Connection,
    private readonly disableAfterMs: number,
  ) {
    const schema = new Schema<HealthDoc>(
      { _id: String, failingSince: Date },
      { collection: 'subscription_health', versionKey: false },
    );
    this.model =
      (db.models.SubscriptionHealth as Model<HealthDoc> | undefined) ??
      db.model<HealthDoc>('SubscriptionHealth', schema);
    this.resets = new WriteBatcher(
      async (ids) => {
        await this.model.deleteMany({ _id: { $in: ids } });
      },
      { maxItems: 500, maxDelayMs: 10 },
    );
  }

  /** A 2xx: the clock resets. */
  async succeeded(subscriptionId: string): Promise<void> {
    if (this.cache.get(subscriptionId) === null) return;
    this.cache.set(subscriptionId, null);
    await this.resets.add(subscriptionId);
  }

  /**
   * A failed attempt. Returns the start of the failure streak when it has lasted past the limit
   * (the subscription should be disabled), else null.
   */
  async failed(subscriptionId: string, now: Date): Promise<Date | null> {
    let since = this.cache.get(subscriptionId);
    if (!since) {
      const doc = await this.model.findOneAndUpdate(
        { _id: subscriptionId },
        { $setOnInsert: { failingSince: now } },
        { upsert: true, returnDocument: 'after', lean: true },
      );
      since = doc?.failingSince ?? now;
      this.cache.set(subscriptionId, since);
    }
    if (now.getTime() - since.getTime() < this.disableAfterMs) return null;
    // Another instance may have seen a 2xx since we cached the streak: ask the shared clock.
    const current = await this.model.findById(subscriptionId).lean();
    if (!current) {
      this.cache.set(subscriptionId, null);
      return null;
    }
    return now.getTime() - current.failingSince.getTime() >= this.disableAfterMs ? current.failingSince : null;
  }

  /** Subscriptions failing right now, the longest streak first (the dashboard's overview). */
  async failing(limit: number): Promise<Array<{ subscriptionId: string; failingSince: Date }>> {
    const docs = await this.model.find().sort({ failingSince: 1 }).limit(limit).lean();
    return docs.map((d) => ({ subscriptionId: d._id, failingSince: d.failingSince }));
  }

  /** After a disable or a re-enable, the streak starts over. */
  async reset(subscriptionId: string): Promise<void> {
    this.cache.delete(subscriptionId);
    await this.model.deleteOne({ _id: subscriptionId });
  }
}
