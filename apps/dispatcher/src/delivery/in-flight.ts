interface Waiter {
  resolve(acquired: boolean): void;
  timer: NodeJS.Timeout;
}

/**
 * Per-subscription limit on deliveries in flight in this dispatcher instance. A receiver that
 * never answers can hold at most `limit` consumer slots; the rest of the prefetch window stays
 * free for healthy receivers. (With N dispatcher instances a subscription can have N x limit.)
 *
 * Over the limit, a delivery waits briefly for a slot: a healthy receiver frees one within
 * milliseconds. Only when none frees in time does the caller park the delivery in RabbitMQ. At
 * most `limit` deliveries wait per subscription, so a hanging receiver holds at most 2 x limit
 * slots (briefly, for the waiting half) and a burst beyond that parks at once.
 */
export class InFlightLimiter {
  private readonly counts = new Map<string, number>();
  private readonly waiters = new Map<string, Waiter[]>();

  constructor(private readonly limit: number) {}

  /** Resolves true with a slot taken, or false when none freed within `maxWaitMs`. */
  acquire(subscriptionId: string, maxWaitMs: number): Promise<boolean> {
    const n = this.counts.get(subscriptionId) ?? 0;
    if (n < this.limit) {
      this.counts.set(subscriptionId, n + 1);
      return Promise.resolve(true);
    }
    const queue = this.waiters.get(subscriptionId) ?? [];
    if (queue.length >= this.limit || maxWaitMs <= 0) return Promise.resolve(false);
    return new Promise((resolve) => {
      this.waiters.set(subscriptionId, queue);
      const waiter: Waiter = {
        resolve,
        timer: setTimeout(() => {
          queue.splice(queue.indexOf(waiter), 1);
          if (queue.length === 0) this.waiters.delete(subscriptionId);
          resolve(false);
        }, maxWaitMs),
      };
      queue.push(waiter);
    });
  }

  release(subscriptionId: string): void {
    const queue = this.waiters.get(subscriptionId);
    const next = queue?.shift();
    if (next) {
      // The slot passes straight to the next waiter: the count stays the same.
      if (queue?.length === 0) this.waiters.delete(subscriptionId);
      clearTimeout(next.timer);
      next.resolve(true);
      return;
    }
    const n = (this.counts.get(subscriptionId) ?? 1) - 1;
    if (n <= 0) this.counts.delete(subscriptionId);
    else this.counts.set(subscriptionId, n);
  }

  inFlight(subscriptionId: string): number {
    return this.counts.get(subscriptionId) ?? 0;
  }
}
