import { PARK_MS } from '@hookline/broker';
import { MAX_PARK_MS, parkPlace } from '../src/policy/park';

describe('parkPlace: how long a delivery over its in-flight limit waits', () => {
  it('a merely slow receiver: always the park queue, however often parked', () => {
    for (const parked of [0, 1, 5, 30]) expect(parkPlace(parked, 900)).toEqual({ queue: 'park' });
  });

  it('a hanging receiver: the wait doubles per park in a row, up to MAX_PARK_MS, through the retry tiers', () => {
    const waits = [0, 1, 2, 3, 4, 10].map((parked) => parkPlace(parked, 5000));
    expect(waits).toEqual([
      { queue: 'park' },
      { queue: 'retry', delayMs: 2 * PARK_MS },
      { queue: 'retry', delayMs: 4 * PARK_MS },
      { queue: 'retry', delayMs: MAX_PARK_MS },
      { queue: 'retry', delayMs: MAX_PARK_MS },
      { queue: 'retry', delayMs: MAX_PARK_MS },
    ]);
  });
});
