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
