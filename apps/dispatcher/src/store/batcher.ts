/**
 * Collects writes for a few milliseconds (or until `maxItems`) and flushes them in one call, so
 * MongoDB sees one insertMany/bulkWrite per batch instead of one round trip per delivery. Each
 * `add` resolves when its batch is written, or rejects with the batch's error.
 */
export class WriteBatcher<T> {
  private items: T[] = [];
  private waiters: Array<{ resolve: () => void; reject: (e: unknown) => void }> = [];
  private timer?: NodeJS.Timeout | NodeJS.Immediate;
  private scheduled = false;
  private readonly inFlight = new Set<Promise<void>>();

  constructor(
    private readonly flushFn: (items: T[]) => Promise<void>,
    private readonly options: { maxItems: number; maxDelayMs: number } = { maxItems: 500, maxDelayMs: 5 },
  ) {}

  add(item: T): Promise<void> {
    return new Promise((resolve, reject) => {
      this.items.push(item);
      this.waiters.push({ resolve, reject });
      if (this.items.length >= this.options.maxItems) this.flush();
      else if (!this.scheduled) {
        this.scheduled = true;
        // 0 ms: flush once the current I/O turn is done, so a batch holds what arrived together and
        // a lone write waits for no timer (the fan-out's latency path).
        this.timer =
          this.options.maxDelayMs === 0
            ? setImmediate(() => this.flush())
            : setTimeout(() => this.flush(), this.options.maxDelayMs);
      }
    });
  }

  /** Writes what is pending now and waits for every batch in flight. */
  async drain(): Promise<void> {
    this.flush();
    await Promise.allSettled([...this.inFlight]);
  }

  private flush(): void {
    if (this.timer !== undefined) {
      clearTimeout(this.timer as NodeJS.Timeout);
      clearImmediate(this.timer as NodeJS.Immediate);
    }
    this.timer = undefined;
    this.scheduled = false;
    if (this.items.length === 0) return;
    const items = this.items;
    const waiters = this.waiters;
    this.items = [];
    this.waiters = [];
    const done = this.flushFn(items).then(
      () => {
        for (const w of waiters) w.resolve();
      },
      (err) => {
        for (const w of waiters) w.reject(err);
      },
    );
    this.inFlight.add(done);
    void done.finally(() => this.inFlight.delete(done));
  }
}
