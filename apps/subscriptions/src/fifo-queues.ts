import { type Broker, bindFifoQueue, eventBindingKey, type Topology } from '@hookline/broker';
import { CONTROLLED_SUBSCRIPTIONS_MAX, ORDERING_SWITCH_DELAY_MS } from '@hookline/contracts';
import { HttpError, type Logger } from '@hookline/http';
import type { SubscriptionDoc } from './models';
import type { SubscriptionStore } from './store';

/**
 * A FIFO subscription's queue is bound to the events exchange HERE, before the write that makes it
 * FIFO, and unbound only after the switch back has taken effect. The write stamps `orderingSince`
 * ORDERING_SWITCH_DELAY_MS ahead, so every dispatcher knows of the switch before it applies, and the
 * dispatchers split events between the queue and the fan-out by that time alone (see the
 * dispatcher's src/controls/ordering.ts). A failure to bind fails the request (503): the
 * subscription must not become FIFO without its queue.
 */
export class FifoQueues {
  constructor(
    private readonly broker: Broker,
    /** The broker's topology: the queue names, the namespace and the queue type FIFO queues are declared with. */
    private readonly topology: Topology,
    private readonly logger: Logger,
    /** MAX_CONTROLLED_SUBSCRIPTIONS_PER_TENANT: one tenant's share of CONTROLLED_SUBSCRIPTIONS_MAX. */
    private readonly perTenantMax: number,
  ) {}

  /**
   * Refuses a control (409) on one subscription more than the tenant's share, or than
   * CONTROLLED_SUBSCRIPTIONS_MAX in all: every dispatcher spends a channel per controlled queue, so
   * without a share one tenant could take every slot and leave the others none. Racy by design (a
   * count, then a write): two concurrent requests may both pass at a limit, which the margin below
   * channel_max absorbs.
   */
  async checkCapacity(
    store: SubscriptionStore,
    subscription: { id?: string; tenant: string },
    next: { rateLimit?: number | null; ordering?: string | null },
  ): Promise<void> {
    if (next.rateLimit == null && next.ordering == null) return;
    const { id, tenant } = subscription;
    if ((await store.countControlled(id, tenant)) >= this.perTenantMax)
      throw new HttpError(
        409,
        'too_many_controlled_subscriptions',
        `tenant ${tenant} may give at most ${this.perTenantMax} subscriptions a rateLimit or an ordering (MAX_CONTROLLED_SUBSCRIPTIONS_PER_TENANT)`,
      );
    if ((await store.countControlled(id)) >= CONTROLLED_SUBSCRIPTIONS_MAX)
      throw new HttpError(
        409,
        'too_many_controlled_subscriptions',
        `at most ${CONTROLLED_SUBSCRIPTIONS_MAX} subscriptions may have a rateLimit or an ordering`,
      );
  }

  /** Before a write leaving the subscription as `next`: its queue takes `next`'s event types too. */
  async prepare(id: string, next: { eventTypes?: string[]; ordering?: string | null }, current?: SubscriptionDoc) {
    const ordering = next.ordering !== undefined ? next.ordering : current?.ordering;
    if (ordering !== 'fifo') return;
    const eventTypes = next.eventTypes ?? current?.eventTypes ?? [];
    await this.broker.withChannel((ch) =>
      bindFifoQueue(ch, {
        namespace: this.topology.namespace,
        subscriptionId: id,
        eventTypes,
        queueType: this.topology.queueType,
      }),
    );
  }

  /** After the write is published: the bindings `doc` no longer needs go (all of them if not FIFO). */
  async settle(before: SubscriptionDoc, doc: SubscriptionDoc | null): Promise<void> {
    if (before.ordering !== 'fifo') return;
    const keep = new Set(doc?.ordering === 'fifo' ? doc.eventTypes.map(eventBindingKey) : []);
    const drop = [...new Set(before.eventTypes.map(eventBindingKey))].filter((k) => !keep.has(k));
    if (drop.length === 0) return;
    // Events stamped before the switch back still belong to the queue: unbind once none can come.
    const since = doc?.ordering !== 'fifo' ? (doc?.orderingSince?.getTime() ?? 0) : 0;
    const waitMs = Math.max(0, since - Date.now()) + ORDERING_SWITCH_DELAY_MS;
    if (since > 0) {
      setTimeout(() => void this.unbind(before, drop), waitMs).unref();
      return;
    }
    await this.unbind(before, drop);
  }

  private async unbind(before: SubscriptionDoc, drop: string[]): Promise<void> {
    const { names } = this.topology;
    try {
      await this.broker.withChannel(async (ch) => {
        for (const key of drop) await ch.unbindQueue(names.fifoQueue(before._id), names.eventsExchange, key);
      });
    } catch (err) {
      // The dispatchers skip what a stale binding still routes there (see deliveredBy): only a cost.
      this.logger.warn({ subscriptionId: before._id, err: (err as Error).message }, 'subscription.fifo_unbind_failed');
    }
  }
}
