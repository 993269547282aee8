import { InFlightLimiter } from '../src/delivery/in-flight';

describe('InFlightLimiter', () => {
  it('allows `limit` deliveries per subscription, independently of other subscriptions', async () => {
    const l = new InFlightLimiter(2);
    expect(await l.acquire('a', 0)).toBe(true);
    expect(await l.acquire('a', 0)).toBe(true);
    expect(await l.acquire('b', 0)).toBe(true);
    expect(await l.acquire('a', 10)).toBe(false);
    expect(l.inFlight('a')).toBe(2);
  });

  it('hands a released slot to a waiting delivery', async () => {
    const l = new InFlightLimiter(1);
    await l.acquire('a', 0);
    const waiting = l.acquire('a', 1000);
    l.release('a');
    expect(await waiting).toBe(true);
    expect(l.inFlight('a')).toBe(1);
    l.release('a');
    expect(l.inFlight('a')).toBe(0);
  });
});
