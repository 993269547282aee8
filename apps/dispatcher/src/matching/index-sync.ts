import type { SubscriptionRecord } from '@hookline/contracts';
import type { Logger } from '@hookline/http';
import type { SubscriptionSource } from './snapshot-source';
import type { SubscriptionIndex } from './subscription-index';
import { SubscriptionUnknownError } from './subscription-unknown-error';

/** After a failed snapshot read, deliveries naming an unknown subscription wait this long before the next read. */
const FAILED_READ_HOLD_MS = 1000;

export interface IndexSyncOptions {
  index: SubscriptionIndex;
  source: SubscriptionSource;
  logger: Logger;
  /** After every snapshot applied to the index (start delivery controls, resume paused deliveries). */
  onSnapshot(subs: SubscriptionRecord[]): void;
  stopped(): boolean;
}

/**
 * Keeps the subscription index current from the snapshot: at start, after every re-subscription of
 * the change feed (an exclusive queue is new each time, so changes published while there was none
 * are lost), on a timer as a backstop, and when a delivery names a subscription the index lacks.
 */
export class IndexSync {
  private lastStartedAt = Number.NEGATIVE_INFINITY;
  private failedAt = Number.NEGATIVE_INFINITY;
  private reading?: { startedAt: number; done: Promise<boolean> };
  /**
   * Settled once the index holds every change up to the feed's last re-subscription: events wait
   * for it (whenCurrent), so none is matched against an index that misses a subscription.
   */
  private current: Promise<void> = Promise.resolve();
  /** While the feed is away: settles `current` (or fails it, when the worker stops first). */
  private held?: { release: () => void; abandon: (err: Error) => void };
  /** How long the last successful read took, snapshot loaded and index built (ms). */
  lastReadMs?: number;

  constructor(private readonly options: IndexSyncOptions) {}

  /** Resolves once the index is current; follows a newer wait started meanwhile (the feed lost again). */
  async whenCurrent(): Promise<void> {
    for (let gate = this.current; ; gate = this.current) {
      await gate;
      if (gate === this.current) return;
    }
  }

  /** The change feed stopped: changes published from now on are missed, so events wait. */
  feedLost(): void {
    if (this.held) return;
    this.current = new Promise<void>((release, abandon) => {
      this.held = { release, abandon };
    });
    // Nobody may be waiting when the worker stops and abandons it.
    this.current.catch(() => {});
  }

  /** The change feed subscribed again: read the snapshot, and release the events once it is applied. */
  feedResubscribed(): void {
    const held = this.held;
    this.held = undefined;
    const done = this.untilDone();
    this.current = done;
    void done.then(() => held?.release());
  }

  /** The worker stops: events still waiting go back to RabbitMQ instead of matching a stale index. */
  abandon(): void {
    const held = this.held;
    this.held = undefined;
    held?.abandon(new Error('the dispatcher stopped before its subscription index was current again'));
  }

  /** Reads the snapshot until one read succeeds (backoff 250 ms doubling to 5 s) or the worker stops. */
  async untilDone(): Promise<void> {
    for (let delay = 250; !this.options.stopped(); delay = Math.min(delay * 2, 5000)) {
      if (await this.resync()) return;
      await new Promise((r) => setTimeout(r, delay));
    }
  }

  /** One snapshot read; a read already under way is shared. */
  resync(): Promise<boolean> {
    if (this.reading) return this.reading.done;
    const startedAt = Date.now();
    const done = (async () => {
      try {
        const subs = await this.options.source.load();
        this.options.index.replaceWith(subs, startedAt);
        this.lastReadMs = Date.now() - startedAt;
        this.lastStartedAt = Math.max(this.lastStartedAt, startedAt);
        this.options.onSnapshot(subs);
        return true;
      } catch (err) {
        this.failedAt = Date.now();
        this.options.logger.warn({ err: (err as Error).message }, 'dispatcher.snapshot_failed');
        return false;
      } finally {
        this.reading = undefined;
      }
    })();
    this.reading = { startedAt, done };
    return done;
  }

  /**
   * A subscription the index does not have when a delivery names it at `askedAt`: it may be new, its
   * change not here yet. Looked up in a snapshot read after `askedAt` (one read shared by every such
   * delivery): absent there too, it was deleted (undefined). Throws SubscriptionUnknownError when no
   * snapshot can be read, so the delivery is given back, not failed.
   */
  async lookupUnknown(id: string, askedAt = Date.now()): Promise<SubscriptionRecord | undefined> {
    const { index } = this.options;
    if (index.isDeleted(id)) return undefined;
    // Two rounds at most: a read already under way may have started before `askedAt`.
    for (let round = 0; round < 2 && this.lastStartedAt < askedAt; round++) {
      if (Date.now() - this.failedAt < FAILED_READ_HOLD_MS) break;
      await this.resync();
    }
    if (this.lastStartedAt < askedAt)
      throw new SubscriptionUnknownError(`subscription ${id} is unknown and the snapshot could not be read`);
    const sub = index.get(id);
    if (!sub) index.markDeleted(id, this.lastStartedAt);
    return sub;
  }
}
