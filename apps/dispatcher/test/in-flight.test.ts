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

describe("InFlightLimiter: this process's own delay is not the receiver's", () => {
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

  it('answers that took 150 ms while this event loop ran 40 ms late: the receiver is not slow', async () => {
    let loopDelay = 40;
    const l = new InFlightLimiter(1, { ...options, loopDelayMs: () => loopDelay });
    for (const ms of [150, 170, 160]) l.recordDuration('a', ms);
    expect(await waitsForSlot(l, 'a')).toBe(true);
    // The same answers with the loop on time: slow, parked at once.
    loopDelay = 1;
    expect(await waitsForSlot(l, 'a')).toBe(false);
  });

  it('a receiver that slows down alone is slow, however busy it is; a late loop excuses at most slowAfterMs', async () => {
    const alone = new InFlightLimiter(1, options);
    alone.recordDuration('a', 10);
    for (let i = 0; i < 10; i++) alone.recordDuration('a', 200);
    expect(await waitsForSlot(alone, 'a')).toBe(false);

    const late = new InFlightLimiter(1, { ...options, loopDelayMs: () => 1000 });
    late.recordDuration('b', 400);
    expect(await waitsForSlot(late, 'b')).toBe(false);
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
