import { InFlightLimiter } from '../src/delivery/in-flight';

const options = { slowAfterMs: 250, fastMs: 100 };

describe('InFlightLimiter', () => {
  it('allows `limit` requests per subscription, independently of other subscriptions', async () => {
    const l = new InFlightLimiter(2, options);
    expect(await l.acquire('a')).not.toBeNull();
    expect(await l.acquire('a')).not.toBeNull();
    expect(await l.acquire('b')).not.toBeNull();
    expect(l.inFlight('a')).toBe(2);
    // Not known to be fast: over the limit, park at once.
    expect(await l.acquire('a')).toBeNull();
  });

  it('a fast receiver: a delivery over the limit waits for the next free slot instead of parking', async () => {
    const l = new InFlightLimiter(1, options);
    l.recordDuration('a', 5);
    const first = await l.acquire('a');
    const waiting = l.acquire('a');
    l.release('a', first!);
    const second = await waiting;
    expect(second).not.toBeNull();
    expect(l.inFlight('a')).toBe(1);
    l.release('a', second!);
    expect(l.inFlight('a')).toBe(0);
  });

  it('a fast receiver that stops answering: waiting ends when its oldest request turns slow', async () => {
    const l = new InFlightLimiter(1, options);
    l.recordDuration('a', 5);
    await l.acquire('a', Date.now() - 200);
    const started = Date.now();
    expect(await l.acquire('a')).toBeNull();
    expect(Date.now() - started).toBeLessThan(150);
    await l.acquire('b', Date.now() - 1000);
    l.recordDuration('b', 5);
    expect(await l.acquire('b')).toBeNull();
  });
});

describe('InFlightLimiter: slow is slower than the rest', () => {
  /**
   * Whether a delivery over the limit of `id` (limit 1) waits for the next free slot: it takes the one
   * slot, asks for another, then frees the first. A delivery that waits gets it; one parked at once
   * got null before the slot was freed.
   */
  async function waitsForSlot(l: InFlightLimiter, id: string): Promise<boolean> {
    const held = await l.acquire(id);
    const next = l.acquire(id);
    l.release(id, held!);
    return (await next) !== null;
  }

  it('every receiver slowed alike (this process short of CPU): none is treated as slow', async () => {
    const l = new InFlightLimiter(1, options);
    for (const ms of [150, 170, 160]) {
      l.recordDuration('a', ms);
      l.recordDuration('b', ms + 10);
    }
    expect(await waitsForSlot(l, 'a')).toBe(true);
  });

  it('one receiver far slower than the others is slow, and so is one slower than twice slowAfterMs', async () => {
    const l = new InFlightLimiter(1, options);
    for (let i = 0; i < 10; i++) l.recordDuration('quick', 10);
    l.recordDuration('lagging', 150);
    expect(await waitsForSlot(l, 'lagging')).toBe(false);

    // A hanging receiver's timeouts count at most slowAfterMs toward the overall average: even when
    // they are all this instance sees, a receiver taking 600 ms is never fast.
    const alone = new InFlightLimiter(1, options);
    for (let i = 0; i < 10; i++) alone.recordDuration('hanging', 30_000);
    alone.recordDuration('sluggish', 600);
    expect(await waitsForSlot(alone, 'sluggish')).toBe(false);
  });
});

describe('InFlightLimiter bursts', () => {
  const burst = { slowAfterMs: 250, fastMs: 100, burstLimit: 5, burstBudget: 4 };

  it('a fast receiver goes beyond its base limit up to burstLimit; an unknown one does not', async () => {
    const l = new InFlightLimiter(2, burst);
    l.recordDuration('fast', 5);
    for (let i = 0; i < 4; i++) expect(await l.acquire('fast')).not.toBeNull();
    expect(l.inFlight('fast')).toBe(4);
    expect(await l.acquire('unknown')).not.toBeNull();
    expect(await l.acquire('unknown')).not.toBeNull();
    expect(await l.acquire('unknown')).toBeNull();
  });

  it('the burst budget is shared: fast receivers together exceed their base limits by at most burstBudget', async () => {
    const l = new InFlightLimiter(2, burst);
    l.recordDuration('a', 5);
    l.recordDuration('b', 5);
    const a: number[] = [];
    for (let i = 0; i < 5; i++) a.push((await l.acquire('a')) as number);
    expect(l.inFlight('a')).toBe(5); // 3 beyond its base limit
    expect(await l.acquire('b')).not.toBeNull();
    expect(await l.acquire('b')).not.toBeNull();
    expect(await l.acquire('b')).not.toBeNull(); // the budget's 4th
    // Budget spent: b, being fast, waits for one of its own slots; none frees, so it parks once its
    // oldest request turns slow (a's freed slot goes back to the budget, not to b's waiter).
    const waiting = l.acquire('b');
    l.release('a', a.pop() as number);
    expect(l.inFlight('a')).toBe(4);
    expect(await waiting).toBeNull();
    expect(l.inFlight('b')).toBe(3);
  });

  it('a fast receiver that hangs loses its burst: past slowAfterMs it parks at the base limit', async () => {
    const l = new InFlightLimiter(2, burst);
    l.recordDuration('a', 5);
    await l.acquire('a', Date.now() - 300);
    await l.acquire('a');
    expect(await l.acquire('a')).toBeNull();
  });
});
