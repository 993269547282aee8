import {
  type Broker,
  type ConsumeMessage,
  type Consumer,
  type Disposition,
  declareControlledQueue,
  type MessageHandler,
  type QueueType,
  type TopologyNames,
} from '@hookline/broker';
import {
  CONTROLLED_SUBSCRIPTIONS_MAX,
  type DeliveryTask,
  deliveryTaskMessage,
  type EventEnvelope,
  ORDERING_SWITCH_DELAY_MS,
  type SubscriptionRecord,
} from '@hookline/contracts';
import type { Logger } from '@hookline/http';
import type { SubscriptionControl } from '../delivery/deliver-handler';
import type { Deliverer } from '../delivery/http-deliverer';
import type { DeliveryStore } from '../store/delivery-store';
import { fifoHandler } from './fifo-handler';
import type { FifoHeads } from './fifo-heads';
import { deliveredBy } from './ordering';
import { Pacer } from './pacer';

export interface DeliveryControlsOptions {
  broker: Broker;
  names: TopologyNames;
  namespace: string;
  queueType?: QueueType;
  lookup(id: string): SubscriptionRecord | undefined;
  matches(sub: SubscriptionRecord, event: EventEnvelope): boolean;
  deliverer: Deliverer;
  store: DeliveryStore;
  heads: FifoHeads;
  control: SubscriptionControl;
  scheduleMs: readonly number[];
  logger: Logger;
}

interface Controlled {
  subscriptionId: string;
  kind: 'fifo' | 'limited';
  queue: string;
  consumer: Consumer;
  /** Resolves once the queue is declared on the broker: nothing is published to it before. */
  declared: Promise<void>;
  prefetch: number;
  drainTimer?: NodeJS.Timeout;
}

/** Controlled queues one dispatcher consumes at most (see CONTROLLED_SUBSCRIPTIONS_MAX). */
const MAX_CONTROLLED_QUEUES = 2 * CONTROLLED_SUBSCRIPTIONS_MAX;

/** How long after a switch back from FIFO takes effect its queue is still consumed before draining. */
const FIFO_LINGER_MS = 2 * ORDERING_SWITCH_DELAY_MS;

/** How often a queue whose control was removed is checked for being empty. */
const DRAIN_CHECK_MS = 1000;

/**
 * Rate limits and FIFO ordering. A subscription with either gets a queue of its own
 * (`<ns>.limited.<id>`, `<ns>.fifo.<id>`) under single active consumer: every dispatcher consumes
 * it, one at a time is given its messages, so that one instance alone paces or orders them.
 *
 * Hooks into the delivery path: the fan-out leaves FIFO subscriptions' events to their queues
 * (`leavesToFifo`) and sends rate-limited ones' deliveries to theirs (`divert`); the deliver queue's
 * consumer is wrapped (`wrapDeliver`) so retries, parks and replays of a rate-limited subscription
 * go back through its queue too. A held delivery waits in its subscription's queue: it holds no
 * slot of the shared deliver queue and is no attempt (its record says `pending`).
 */
export class DeliveryControls {
  private readonly controlled = new Map<string, Controlled>();
  private readonly pacers = new Map<string, Pacer>();
  private rawDeliver?: MessageHandler;
  /** Ends every wait of the current connection: a lost connection hands our queues to others. */
  private abort = new AbortController();
  private stopped = false;
  private limitedCount = 0;

  constructor(private readonly options: DeliveryControlsOptions) {
    options.broker.on('disconnected', () => this.connectionLost());
  }

  /** The plain deliver handler, which the limited queues' consumers call once paced. */
  setDeliverHandler(handler: MessageHandler): void {
    this.rawDeliver = handler;
  }

  /** After a change (or a snapshot) of subscription `id`: start, adjust or wind down its queues. */
  sync(id: string): void {
    if (this.stopped) return;
    const sub = this.options.lookup(id);
    // After a switch back, the queue still gets events stamped before it takes effect: keep consuming
    // until then (and a moment more), then drain what is left.
    const fifoUntil = sub && sub.ordering !== 'fifo' && sub.orderingSince ? sub.orderingSince + FIFO_LINGER_MS : 0;
    const lingering = fifoUntil > Date.now();
    if (lingering) setTimeout(() => this.sync(id), fifoUntil - Date.now() + 10).unref();
    this.want(id, 'fifo', sub?.ordering === 'fifo' || lingering, !sub);
    this.want(id, 'limited', !!sub?.rateLimit, !sub);
    if (sub?.rateLimit) this.pacers.get(id)?.setLimit(sub.rateLimit);
  }

  /** After a snapshot: every subscription in it, and every one this instance controls (it may be gone). */
  syncAll(ids: Iterable<string>): void {
    const all = new Set(ids);
    for (const c of this.controlled.values()) all.add(c.subscriptionId);
    for (const id of all) this.sync(id);
  }

  /** Whether the fan-out must leave this event to the subscription's FIFO queue. */
  leavesToFifo(sub: SubscriptionRecord, event: EventEnvelope): boolean {
    if (sub.ordering == null && sub.orderingSince == null) return false;
    return deliveredBy(sub, Date.parse(event.timestamp)) === 'fifo';
  }

  /** The queue a delivery of `sub` must go to instead of the deliver queue, once it exists. */
  async divert(sub: SubscriptionRecord): Promise<string | undefined> {
    if (!sub.rateLimit) return undefined;
    let c = this.controlled.get(this.options.names.limitedQueue(sub.id));
    if (!c) {
      this.sync(sub.id);
      c = this.controlled.get(this.options.names.limitedQueue(sub.id));
    }
    if (!c) return undefined;
    await c.declared;
    return c.queue;
  }

  /** A rate-limited subscription's first attempt from the fan-out: recorded pending, queued for its pace. */
  async hold(task: DeliveryTask, sub: SubscriptionRecord): Promise<void> {
    const queue = await this.divert(sub);
    if (!queue) throw new Error(`no queue for rate-limited subscription ${sub.id}`); // only while stopping
    const { content, properties } = deliveryTaskMessage({ ...task, recorded: true });
    await Promise.all([
      this.options.store.recordCreated(task),
      this.options.broker.publish('', queue, content, properties),
    ]);
  }

  /** The shared deliver queue's handler: a rate-limited subscription's task goes to its own queue. */
  wrapDeliver(handler: MessageHandler): MessageHandler {
    return async (msg) => {
      if (this.limitedCount === 0) return handler(msg);
      let subscriptionId: string | undefined;
      try {
        subscriptionId = (JSON.parse(msg.content.toString('utf8')) as Partial<DeliveryTask>).subscriptionId;
      } catch {
        return handler(msg); // it rejects what it cannot parse
      }
      const sub = subscriptionId ? this.options.lookup(subscriptionId) : undefined;
      const queue = sub ? await this.divert(sub) : undefined;
      if (!queue) return handler(msg);
      await this.options.broker.publish('', queue, msg.content, {
        messageId: msg.properties.messageId,
        contentType: 'application/json',
        type: msg.properties.type,
      });
      return 'ack';
    };
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.abort.abort();
    for (const p of this.pacers.values()) p.reset();
    await Promise.all(
      [...this.controlled.values()].map((c) => {
        clearInterval(c.drainTimer);
        return c.consumer.stop();
      }),
    );
    this.controlled.clear();
  }

  /** Resolves after `ms`, or at once with false when this connection's waits are cut short. */
  private sleep = (ms: number): Promise<boolean> => {
    const signal = this.abort.signal;
    if (signal.aborted) return Promise.resolve(false);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        signal.removeEventListener('abort', onAbort);
        resolve(true);
      }, ms);
      const onAbort = () => {
        clearTimeout(timer);
        resolve(false);
      };
      signal.addEventListener('abort', onAbort, { once: true });
    });
  };

  private connectionLost(): void {
    this.abort.abort();
    this.abort = new AbortController();
    // Another instance may be the active consumer when we are back: it paces from then on, and we
    // pace as newcomers (a whole window before the first send) if the queue comes back to us.
    for (const p of this.pacers.values()) p.reset();
  }

  private want(id: string, kind: 'fifo' | 'limited', wanted: boolean, deleted: boolean): void {
    const queue = kind === 'fifo' ? this.options.names.fifoQueue(id) : this.options.names.limitedQueue(id);
    const current = this.controlled.get(queue);
    if (wanted) {
      if (current?.drainTimer) {
        clearInterval(current.drainTimer);
        current.drainTimer = undefined;
      }
      if (!current) this.start(id, kind, queue);
      else if (current.prefetch !== this.prefetchFor(id, kind)) {
        // A changed limit wants a different window: a new consumer takes over from the old one.
        this.controlled.delete(queue);
        if (current.kind === 'limited') this.limitedCount--;
        void current.consumer.stop();
        this.start(id, kind, queue);
      }
      return;
    }
    if (!current) return;
    if (deleted) {
      // The subscription is gone: what waits in its queues would only be failed.
      void this.retire(current, true);
      return;
    }
    // The control was removed: what is already in the queue still goes out, then the consumer stops.
    current.drainTimer ??= setInterval(() => void this.drainCheck(current), DRAIN_CHECK_MS);
  }

  private start(id: string, kind: 'fifo' | 'limited', queue: string): void {
    if (this.controlled.size >= MAX_CONTROLLED_QUEUES) {
      // One channel each on this connection: past RabbitMQ's channel_max the connection itself fails.
      // Deliveries stay in the subscription's queue (FIFO) or are delivered unpaced (rate limit).
      this.options.logger.error(
        { subscriptionId: id, queue, max: MAX_CONTROLLED_QUEUES },
        'controls.capacity_exceeded',
      );
      return;
    }
    const { broker, namespace, queueType } = this.options;
    const declare = (ch: Parameters<typeof declareControlledQueue>[0]) =>
      declareControlledQueue(ch, { namespace, queue, queueType });
    const declared = broker.withChannel(declare).catch((err) => {
      this.options.logger.warn({ err: (err as Error).message, queue }, 'controls.declare_failed');
    });
    const handler = kind === 'fifo' ? this.fifoConsumer(id) : this.limitedConsumer(id);
    const prefetch = this.prefetchFor(id, kind);
    const consumer = broker.consume(queue, handler, { prefetch, declare });
    this.controlled.set(queue, { subscriptionId: id, kind, queue, consumer, declared, prefetch });
    if (kind === 'limited') this.limitedCount++;
  }

  /** FIFO: one at a time. Limited: enough in flight to reach the limit with ~50 ms round trips. */
  private prefetchFor(id: string, kind: 'fifo' | 'limited'): number {
    const limit = this.options.lookup(id)?.rateLimit;
    if (kind === 'fifo' || !limit) return 1;
    return Math.min(256, Math.max(2, Math.ceil(limit / 20)));
  }

  private async drainCheck(c: Controlled): Promise<void> {
    try {
      const { messageCount } = await this.options.broker.withChannel((ch) => ch.checkQueue(c.queue));
      if (messageCount === 0) await this.retire(c, false);
    } catch {
      await this.retire(c, false); // no such queue any more
    }
  }

  private async retire(c: Controlled, deleteQueue: boolean): Promise<void> {
    if (this.controlled.get(c.queue) !== c) return;
    this.controlled.delete(c.queue);
    clearInterval(c.drainTimer);
    if (c.kind === 'limited') this.limitedCount--;
    await c.consumer.stop();
    if (deleteQueue) await this.options.broker.withChannel((ch) => ch.deleteQueue(c.queue)).catch(() => {});
  }

  private pacerFor(sub: SubscriptionRecord): Pacer | undefined {
    if (!sub.rateLimit) return undefined;
    let p = this.pacers.get(sub.id);
    if (!p) {
      p = new Pacer(sub.rateLimit);
      this.pacers.set(sub.id, p);
    }
    return p;
  }

  private limitedConsumer(id: string): MessageHandler {
    return async (msg: ConsumeMessage): Promise<Disposition> => {
      const deliver = this.rawDeliver;
      if (!deliver) {
        // Consumers start with the snapshot, the deliver handler a moment later: do not spin meanwhile.
        await this.sleep(100);
        return 'requeue';
      }
      const sub = this.options.lookup(id);
      const pacer = sub ? this.pacerFor(sub) : undefined;
      if (pacer && !(await pacer.acquire())) return 'requeue';
      return deliver(msg);
    };
  }

  private fifoConsumer(id: string): MessageHandler {
    return fifoHandler({
      subscriptionId: id,
      lookup: this.options.lookup,
      matches: this.options.matches,
      deliverer: this.options.deliverer,
      store: this.options.store,
      heads: this.options.heads,
      pacer: (sub) => this.pacerFor(sub),
      control: this.options.control,
      scheduleMs: this.options.scheduleMs,
      logger: this.options.logger,
      sleep: this.sleep,
    });
  }
}
