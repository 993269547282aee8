import type { Broker, Consumer, MessageHandler, Topology, TopologyNames } from '@hookline/broker';
import { openChange, subscriptionChangeSchema } from '@hookline/contracts';
import type { Logger } from '@hookline/http';
import { matchesFilter } from '@hookline/rules';
import { traceMessages } from '@hookline/telemetry';
import { DeliveryControls } from './controls/delivery-controls';
import { type FifoHeads, memoryFifoHeads } from './controls/fifo-heads';
import { ConcurrencyBudget } from './delivery/budget';
import { deliverHandler } from './delivery/deliver-handler';
import { DeliveryLoop, type SubscriptionControl } from './delivery/delivery-loop';
import type { FailureClock } from './delivery/failure-clock';
import type { Deliverer } from './delivery/http-deliverer';
import { InFlightLimiter } from './delivery/in-flight';
import { type LoopDelay, watchLoopDelay } from './delivery/loop-delay';
import { fanoutHandler } from './fanout/fanout-handler';
import { IndexSync } from './matching/index-sync';
import type { SubscriptionSource } from './matching/snapshot-source';
import { SubscriptionIndex } from './matching/subscription-index';
import type { Requeuer } from './operations/requeue';
import type { DeliveryStore } from './store/delivery-store';

/** How long a stopping worker lets record writes retry before giving their messages back. */
const STOP_WRITES_AFTER_MS = 3000;

/** See WorkerOptions.fanoutInlineMax; chosen from the fan-out benchmark (bench/README.md). */
export const DEFAULT_FANOUT_INLINE_MAX = 1000;

export interface WorkerOptions {
  broker: Broker;
  /** The broker's topology: names, queue type, retry schedule and the tiers declared for it. */
  topology: Topology;
  store: DeliveryStore;
  source: SubscriptionSource;
  deliverer: Deliverer;
  control: (index: SubscriptionIndex) => SubscriptionControl;
  logger: Logger;
  /** HTTP requests in flight at once in this instance, fan-out and deliver consumers together. */
  concurrency: number;
  /** The widest fan-out attempted in the fan-out consumer itself; wider ones go through the deliver queue. */
  fanoutInlineMax?: number;
  /** Deliveries in flight at once per subscription (slow-endpoint isolation). */
  maxInFlightPerSubscription: number;
  failureClock?: FailureClock;
  /** Resumes a subscription's paused deliveries when it is re-enabled. */
  requeuer?: Requeuer;
  /** How often the snapshot is re-read, as a backstop for a lost change message (it also resumes paused deliveries). */
  resyncMs?: number;
  /** Where a FIFO head's retry schedule is kept between attempts (MongoDB in production). */
  fifoHeads?: FifoHeads;
  /** API_KEYS: with keys, a change's secrets arrive sealed and an unsealed upsert is dropped (openChange). */
  feedKeys?: readonly string[];
}

/**
 * The dispatcher's background work: the change feed keeps the index current, the fan-out
 * consumer turns events into deliveries, the deliver consumer makes attempts.
 * Order at start: change feed first (so no change is missed while the snapshot loads), then the
 * snapshot, then the event and delivery consumers, so no event is matched against an empty index.
 */
export class DispatcherWorker {
  readonly index = new SubscriptionIndex();
  readonly names: TopologyNames;
  private readonly consumers: Consumer[] = [];
  private resyncTimer?: NodeJS.Timeout;
  private stopped = false;
  private controls?: DeliveryControls;
  private readonly sync: IndexSync;
  /** Tells the in-flight limiter how much of an answer's time was this process's own delay; while started. */
  private loopDelay?: LoopDelay;
  ready = false;

  constructor(private readonly options: WorkerOptions) {
    this.names = options.topology.names;
    this.sync = new IndexSync({
      index: this.index,
      source: options.source,
      logger: options.logger,
      stopped: () => this.stopped,
      onSnapshot: (subs) => {
        this.controls?.syncAll(subs.map((s) => s.id));
        void this.resumeEnabled();
      },
    });
  }

  async start(): Promise<void> {
    const { broker, logger } = this.options;
    // Rate limits and FIFO ordering (src/controls): their queues follow the index.
    const controls = new DeliveryControls({
      broker,
      names: this.names,
      namespace: this.options.topology.namespace,
      queueType: this.options.topology.queueType,
      lookup: (id) => this.index.get(id),
      // As the fan-out matches: by type (and whatever the index adds), then the payload filter.
      matches: (sub, event) =>
        this.index.matchEvent(event).some((s) => s.id === sub.id) && (!sub.filter || matchesFilter(sub.filter, event)),
      deliverer: this.options.deliverer,
      store: this.options.store,
      heads: this.options.fifoHeads ?? memoryFifoHeads(),
      control: this.options.control(this.index),
      scheduleMs: this.options.topology.retryScheduleMs,
      logger,
    });
    this.controls = controls;
    let feedSubscribed = false;
    const feed = broker.consume(
      '',
      async (msg) => {
        let change: ReturnType<typeof subscriptionChangeSchema.safeParse>;
        try {
          change = subscriptionChangeSchema.safeParse(JSON.parse(msg.content.toString('utf8')));
        } catch {
          return 'reject';
        }
        if (!change.success) return 'reject';
        const opened = openChange(change.data, this.options.feedKeys ?? []);
        if (!opened) {
          logger.warn({ subscriptionId: change.data.subscription.id }, 'dispatcher.change_not_sealed');
          return 'reject';
        }
        const id = opened.subscription.id;
        const wasEnabled = this.index.get(id)?.enabled;
        this.index.apply(opened);
        controls.sync(id);
        if (wasEnabled === false && this.index.get(id)?.enabled) void this.resume(id);
        return 'ack';
      },
      {
        prefetch: 1000,
        exclusiveBindTo: this.names.subscriptionsExchange,
        // Every subscription after the first is a new queue that missed what was published meanwhile.
        onAttached: () => {
          if (feedSubscribed) this.sync.feedResubscribed();
          feedSubscribed = true;
        },
        onDetached: () => this.sync.feedLost(),
      },
    );
    this.consumers.push(feed);
    // Subscribed to the feed before reading the snapshot: a change made meanwhile is not missed.
    await feed.ready;
    await this.sync.untilDone();
    if (this.stopped) return;
    this.loopDelay = watchLoopDelay();
    const loop = new DeliveryLoop({
      broker,
      names: this.names,
      lookup: (id) => this.index.get(id),
      lookupUnknown: (id) => this.sync.lookupUnknown(id),
      store: this.options.store,
      deliverer: this.options.deliverer,
      control: this.options.control(this.index),
      scheduleMs: this.options.topology.retryScheduleMs,
      tiersMs: this.options.topology.retryTiersMs,
      // A fast receiver may use up to half the budget; receivers that hang can hold at most their
      // base limits plus that half (see InFlightLimiter).
      limiter: new InFlightLimiter(this.options.maxInFlightPerSubscription, {
        burstLimit: Math.max(this.options.maxInFlightPerSubscription, Math.floor(this.options.concurrency / 2)),
        burstBudget: Math.floor(this.options.concurrency / 2),
        loopDelayMs: this.loopDelay.current,
      }),
      budget: new ConcurrencyBudget(this.options.concurrency),
      failureClock: this.options.failureClock,
      logger,
    });
    controls.setDeliverHandler(deliverHandler(loop.deps, loop));
    this.consumers.push(
      broker.consume(
        this.names.fanoutQueue,
        this.afterSync(
          traceMessages(
            'fanout',
            fanoutHandler({
              broker,
              names: this.names,
              index: this.index,
              store: this.options.store,
              loop,
              inlineMax: this.options.fanoutInlineMax ?? DEFAULT_FANOUT_INLINE_MAX,
              logger,
              controls,
            }),
          ),
        ),
        // Each event waits for its deliveries' attempts and records, a few ms to tens of ms under load:
        // the window must cover that round trip at the rates the delivery loop can take.
        { prefetch: 256 },
      ),
      broker.consume(
        this.names.deliverQueue,
        this.afterSync(traceMessages('deliver', controls.wrapDeliver(deliverHandler(loop.deps, loop)))),
        { prefetch: this.options.concurrency },
      ),
    );
    this.ready = true;
    logger.info({ subscriptions: this.index.size, snapshotMs: this.sync.lastReadMs }, 'dispatcher.started');
    this.resyncTimer = setInterval(() => void this.sync.resync(), this.options.resyncMs ?? 60_000);
    this.resyncTimer.unref();
  }

  /** Holds a message until the index is current (see IndexSync.whenCurrent). */
  private afterSync(handler: MessageHandler): MessageHandler {
    return async (msg) => {
      await this.sync.whenCurrent();
      return handler(msg);
    };
  }

  /**
   * Every enabled subscription with paused deliveries gets them back: whichever instance reads the
   * snapshot resumes them, so a re-enable whose change message this instance missed (or that came
   * while a delivery was being paused) strands nothing.
   */
  private async resumeEnabled(): Promise<void> {
    try {
      const paused = (await this.options.requeuer?.pausedSubscriptions()) ?? [];
      for (const id of paused) if (this.index.get(id)?.enabled && !this.stopped) await this.resume(id);
    } catch (err) {
      this.options.logger.warn({ err: (err as Error).message }, 'subscription.resume_scan_failed');
    }
  }

  /** A re-enabled subscription: its paused deliveries go back on the queue, and its failure clock restarts. */
  private async resume(subscriptionId: string): Promise<void> {
    try {
      await this.options.failureClock?.reset(subscriptionId);
      const n = (await this.options.requeuer?.requeueAll(subscriptionId, 'paused')) ?? 0;
      if (n > 0) this.options.logger.info({ subscriptionId, resumed: n }, 'subscription.resumed');
    } catch (err) {
      this.options.logger.error({ err: (err as Error).message, subscriptionId }, 'subscription.resume_failed');
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.resyncTimer);
    this.loopDelay?.stop();
    this.sync.abandon();
    // In-flight messages wait for their records; if MongoDB is down those writes would retry forever:
    // after a few seconds they give up and their messages go back to RabbitMQ (redelivered later).
    const giveUp = setTimeout(() => this.options.store.stopRetrying(), STOP_WRITES_AFTER_MS);
    try {
      await Promise.all([...this.consumers.map((c) => c.stop()), this.controls?.stop()]);
      await this.options.store.drain();
    } finally {
      clearTimeout(giveUp);
    }
  }
}
