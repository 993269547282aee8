/** A taken slot: its start time, given back to `release`. */
export type Slot = number;

interface Waiter {
  resolve(slot: Slot | null): void;
  timer: NodeJS.Timeout;
}

/**
 * Per-subscription limit on deliveries in flight in this dispatcher instance. A receiver that
 * never answers can hold at most `limit` HTTP requests; the rest of the prefetch window stays free
 * for healthy receivers. (With N dispatcher instances a subscription can have N x limit.)
 *
 * Over the limit, what a delivery does depends on how the receiver is doing:
 * - it is known to answer quickly (its recent attempts averaged under `fastMs`) and nothing of it
 *   has been in flight for `slowAfterMs`: the delivery waits here for a slot, which frees within
 *   milliseconds; parking it for a second would only slow a healthy receiver down. It waits at
 *   most until the oldest request in flight turns `slowAfterMs` old;
 * - otherwise (slow, hanging, or not yet known): the caller parks the delivery in RabbitMQ at
 *   once, so it waits without holding a consumer slot.
 * So a receiver that starts hanging can hold waiting consumer slots for at most `slowAfterMs`.
 */
export class InFlightLimiter {
  // Start times of each subscription's requests in flight, oldest first.
  private readonly started = new Map<string, number[]>();
  private readonly waiters = new Map<string, Waiter[]>();
  // Moving average of each subscription's attempt durations (ms).
  private readonly averageMs = new Map<string, number>();

  constructor(
    private readonly limit: number,
    private readonly options: { slowAfterMs: number; fastMs: number } = { slowAfterMs: 250, fastMs: 100 },
  ) {}

  /** Feeds the moving average that tells a fast receiver from a slow one. */
  recordDuration(subscriptionId: string, ms: number): void {
    const avg = this.averageMs.get(subscriptionId);
    this.averageMs.set(subscriptionId, avg === undefined ? ms : avg * 0.8 + ms * 0.2);
  }

  /** Resolves with a slot, or null when the caller should park the delivery. */
  acquire(subscriptionId: string, now = Date.now()): Promise<Slot | null> {
    const starts = this.started.get(subscriptionId) ?? [];
    if (starts.length < this.limit) {
      starts.push(now);
      this.started.set(subscriptionId, starts);
      return Promise.resolve(now);
    }
    const oldest = starts[0] ?? now;
    const waitMs = this.options.slowAfterMs - (now - oldest);
    const fast = (this.averageMs.get(subscriptionId) ?? Number.POSITIVE_INFINITY) < this.options.fastMs;
    if (!fast || waitMs <= 0) return Promise.resolve(null);
    return new Promise((resolve) => {
      const queue = this.waiters.get(subscriptionId) ?? [];
      this.waiters.set(subscriptionId, queue);
      const waiter: Waiter = {
        resolve,
        timer: setTimeout(() => {
          queue.splice(queue.indexOf(waiter), 1);
          if (queue.length === 0) this.waiters.delete(subscriptionId);
          resolve(null);
        }, waitMs),
      };
      queue.push(waiter);
    });
  }

  release(subscriptionId: string, slot: Slot): void {
    const starts = this.started.get(subscriptionId) ?? [];
    const i = starts.indexOf(slot);
    if (i >= 0) starts.splice(i, 1);
    const next = this.waiters.get(subscriptionId)?.shift();
    if (next) {
      // The slot passes straight to the next waiter; start times stay in order (oldest first).
      if (this.waiters.get(subscriptionId)?.length === 0) this.waiters.delete(subscriptionId);
      clearTimeout(next.timer);
      const now = Date.now();
      starts.push(now);
      next.resolve(now);
    }
    if (starts.length === 0) this.started.delete(subscriptionId);
    else this.started.set(subscriptionId, starts);
  }

  /** How long the subscription's oldest request in flight has been waiting (0 when none). */
  oldestAgeMs(subscriptionId: string, now = Date.now()): number {
    const oldest = this.started.get(subscriptionId)?.[0];
    return oldest === undefined ? 0 : now - oldest;
  }

  inFlight(subscriptionId: string): number {
    return this.started.get(subscriptionId)?.length ?? 0;
  }
}
