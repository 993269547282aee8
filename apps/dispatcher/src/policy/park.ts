import { PARK_MS } from '@hookline/broker';

/**
 * The longest a slow receiver's parked delivery waits before it is offered again. Kept short so it
 * lands in the smallest retry tiers (10 s with the default schedule), whose other messages never
 * expire later than that: a parked delivery never waits behind a 5-minute retry.
 */
export const MAX_PARK_MS = 8000;
/** A receiver whose oldest request in flight is this old is hanging, not just slow. */
export const HANGING_AFTER_MS = 1000;

/** Where a parked delivery waits: the park queue (PARK_MS), or a retry tier for a longer wait. */
export type ParkPlace = { queue: 'park' } | { queue: 'retry'; delayMs: number };

/**
 * How long a delivery over its subscription's in-flight limit waits, from how many times in a row it
 * was parked and how long the receiver's oldest request has been in flight. A merely slow receiver
 * frees its slots within the second, so its deliveries wait PARK_MS (a longer park would leave the
 * slots idle); a hanging one's wait doubles each time, up to MAX_PARK_MS, so its backlog is looked at
 * every few seconds instead of cycling through the dispatcher every second.
 */
export function parkPlace(parkedBefore: number, oldestInFlightMs: number): ParkPlace {
  const hanging = oldestInFlightMs >= HANGING_AFTER_MS;
  const delayMs = hanging ? Math.min(PARK_MS * 2 ** parkedBefore, MAX_PARK_MS) : PARK_MS;
  return delayMs <= PARK_MS ? { queue: 'park' } : { queue: 'retry', delayMs };
}
