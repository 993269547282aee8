import type { Broker, TopologyNames } from '@hookline/broker';
import { type SubscriptionChange, sealChange, subscriptionChangeSchema } from '@hookline/contracts';
import type { Logger } from '@hookline/http';
import { type SubscriptionDoc, toRecord } from './models';

/**
 * The dispatchers' feed: one message per write on the `<ns>.subscriptions` fanout exchange.
 * Routes await `publish` before answering, so a subscription acknowledged to its creator is
 * already on its way to every dispatcher ("created before an event is published, receives it").
 * A failed publish is not the caller's failure (the write happened): it is logged, and
 * dispatchers re-read the snapshot periodically to catch up.
 */
export class ChangeFeed {
  private readonly exchange: string;

  constructor(
    private readonly broker: Broker,
    names: TopologyNames,
    private readonly logger: Logger,
    /** API_KEYS: with keys, the secrets travel sealed (see sealChange). */
    private readonly apiKeys: readonly string[] = [],
  ) {
    this.exchange = names.subscriptionsExchange;
  }

  upserted(doc: SubscriptionDoc): Promise<boolean> {
    return this.publish({ op: 'upsert', subscription: toRecord(doc) });
  }

  deleted(id: string): Promise<boolean> {
    return this.publish({ op: 'delete', subscription: { id } });
  }

  /** Resolves true once RabbitMQ confirmed, false when it could not be published (logged). */
  async publish(change: SubscriptionChange): Promise<boolean> {
    const message = subscriptionChangeSchema.parse(change);
    try {
      await this.broker.publish(this.exchange, '', Buffer.from(JSON.stringify(sealChange(message, this.apiKeys))), {
        contentType: 'application/json',
        // With no dispatcher running the feed has no queue, and that is fine: each loads the snapshot at start.
        mandatory: false,
      });
      return true;
    } catch (err) {
      this.logger.warn(
        { subscriptionId: message.subscription.id, op: message.op, err: (err as Error).message },
        'subscription.change_not_published',
      );
      return false;
    }
  }
}
