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
 * A receiver known to answer quickly (recent attempts averaging under `fastMs`, plus twice this
 * process's recent event-loop delay, see isFast; nothing in flight for `slowAfterMs`) may go beyond
 * `limit`, up to `burstLimit`, while the instance's requests beyond their base limits stay under
 * `burstBudget` in all. At `limit` a subscription's throughput is at most limit / round-trip: 10
 * requests of ~10 ms each under load would cap one busy endpoint near 1,000/s. The budget bounds
 * what receivers that were fast and then all hang at once can hold: their base limits plus the
 * budget, never the whole prefetch window.
 *
 * Over its limit, what a delivery does depends on how the receiver is doing:
 * - fast, as above: the delivery waits here for a slot, which frees within milliseconds; parking it for
 *   a second would only slow a healthy receiver down. It waits at most until the oldest request in
 *   flight turns `slowAfterMs` old;
 * - otherwise (slow, hanging, or not yet known): the caller parks the delivery in RabbitMQ at
 *   once, so it waits without holding a consumer slot.
 * So a receiver that starts hanging can hold waiting consumer slots for at most `slowAfterMs`.
 */
export interface LimiterOptions {
  slowAfterMs: number;
  fastMs: number;
  /** The most a fast receiver may have in flight (>= limit). */
  burstLimit: number;
  /** The most requests, across subscriptions, that may be in flight beyond their base limit. */
  burstBudget: number;
  /** This process's recent event-loop delay in ms (see LoopDelay); none when absent. */
  loopDelayMs: () => number;
}

export class InFlightLimiter {
  // Start times of each subscription's requests in flight, oldest first.
  private readonly started = new Map<string, number[]>();
  private readonly waiters = new Map<string, Waiter[]>();
  // Moving average of each subscription's attempt durations (ms).
  private readonly averageMs = new Map<string, number>();
  // Requests in flight beyond their subscription's base limit, all subscriptions together.
  private bursting = 0;
  private readonly options: LimiterOptions;

  constructor(
    private readonly limit: number,
    options: Partial<LimiterOptions> = {},
  ) {
    this.options = {
      slowAfterMs: 250,
      fastMs: 100,
      burstLimit: limit,
      burstBudget: 0,
      loopDelayMs: () => 0,
      ...options,
    };
  }

  /** Feeds the moving average that tells a fast receiver from a slow one. */
  recordDuration(subscriptionId: string, ms: number): void {
    const avg = this.averageMs.get(subscriptionId);
    this.averageMs.set(subscriptionId, avg === undefined ? ms : avg * 0.8 + ms * 0.2);
  }

  /**
   * Under `fastMs` plus twice this process's event-loop delay (at most `slowAfterMs` more). A duration
   * is measured here, from the request's start to its answer being read, and both ends wait for this
   * loop's turn: when the machine is short of CPU every answer looks slow though no receiver is (the
   * bench's 1b, while its publisher kept both cores busy, measured its healthy receiver at 100-230 ms
   * and parked about one delivery in seven, with the loop 30-60 ms late). A receiver that is slow
   * while this process is not stays slow. One not yet measured is not fast.
   */
  private isFast(subscriptionId: string): boolean {
    const avg = this.averageMs.get(subscriptionId);
    if (avg === undefined) return false;
    const ownDelay = Math.min(2 * this.options.loopDelayMs(), this.options.slowAfterMs);
    return avg < this.options.fastMs + ownDelay;
  }

  /** Resolves with a slot, or null when the caller should park the delivery. */
  acquire(subscriptionId: string, now = Date.now()): Promise<Slot | null> {
    const starts = this.started.get(subscriptionId) ?? [];
    const oldest = starts[0] ?? now;
    const waitMs = this.options.slowAfterMs - (now - oldest);
    const fast = this.isFast(subscriptionId);
    if (this.mayTake(starts.length, fast && waitMs > 0)) {
      this.take(starts, now);
      this.started.set(subscriptionId, starts);
      return Promise.resolve(now);
    }
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

  private mayTake(inFlight: number, fast: boolean): boolean {
    if (inFlight < this.limit) return true;
    return fast && inFlight < this.options.burstLimit && this.bursting < this.options.burstBudget;
  }

  private take(starts: number[], now: number): void {
    if (starts.length >= this.limit) this.bursting++;
    starts.push(now);
  }

  release(subscriptionId: string, slot: Slot): void {
    const starts = this.started.get(subscriptionId) ?? [];
    const i = starts.indexOf(slot);
    if (i >= 0) {
      if (starts.length > this.limit) this.bursting--;
      starts.splice(i, 1);
    }
    const next = this.waiters.get(subscriptionId)?.shift();
    if (next) {
      // The slot passes straight to the next waiter; start times stay in order (oldest first).
      if (this.waiters.get(subscriptionId)?.length === 0) this.waiters.delete(subscriptionId);
      clearTimeout(next.timer);
      const now = Date.now();
      this.take(starts, now);
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
