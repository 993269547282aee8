/**
 * Collects writes for a few milliseconds (or until `maxItems`) and flushes them in one call, so
 * MongoDB sees one insertMany/bulkWrite per batch instead of one round trip per delivery. Each
 * `add` resolves when its batch is written, or rejects with the batch's error.
 */
export class WriteBatcher<T> {
  private items: T[] = [];
  private waiters: Array<{ resolve: () => void; reject: (e: unknown) => void }> = [];
  /** Set while a flush is scheduled. */
  private timer?: NodeJS.Timeout;
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
      else if (this.timer === undefined) this.timer = setTimeout(() => this.flush(), this.options.maxDelayMs);
    });
  }

  /** Writes what is pending now and waits for every batch in flight. */
  async drain(): Promise<void> {
    this.flush();
    await Promise.allSettled([...this.inFlight]);
  }

  private flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
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
