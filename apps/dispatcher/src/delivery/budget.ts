/**
 * The instance's budget of HTTP requests in flight (`DELIVERY_CONCURRENCY`), shared by the fan-out
 * consumer's in-process attempts and the deliver queue's: with one hop the fan-out attempts too, so
 * neither consumer's prefetch alone bounds the sockets open at once. Waiters are served in order.
 */
export class ConcurrencyBudget {
  private used = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(readonly size: number) {}

  get inUse(): number {
    return this.used;
  }

  /** Resolves once a permit is taken; give it back with `release`. */
  take(): Promise<void> {
    if (this.used < this.size) {
      this.used++;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  release(): void {
    const next = this.waiting.shift();
    // The permit passes straight to the next waiter: `used` stays the same.
    if (next) next();
    else this.used--;
  }
}
