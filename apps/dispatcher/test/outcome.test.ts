import { decideOutcome, type PolicyInput, parseRetryAfter } from '../src/policy/outcome';

const schedule = [5000, 300_000, 1_800_000];
const now = new Date('2026-01-01T00:00:00Z');
const input = (result: PolicyInput['result'], attempt = 1, random = () => 0.5): PolicyInput => ({
  result,
  attempt,
  scheduleMs: schedule,
  now,
  random,
});

describe('decideOutcome', () => {
  it('2xx is delivered', () => {
    expect(decideOutcome(input({ status: 200 }))).toEqual({ kind: 'delivered' });
    expect(decideOutcome(input({ status: 204 }, 3))).toEqual({ kind: 'delivered' });
  });

  it('410 disables the subscription', () => {
    expect(decideOutcome(input({ status: 410 })).kind).toBe('disable');
  });

  it('retries other failures on the schedule with at most 20% jitter', () => {
    expect(decideOutcome(input({ status: 500 }, 1, () => 0.5))).toEqual({ kind: 'retry', delayMs: 5000 });
    expect(decideOutcome(input({ status: null }, 2, () => 0))).toEqual({ kind: 'retry', delayMs: 240_000 });
    expect(decideOutcome(input({ status: 302 }, 3, () => 0.75))).toEqual({ kind: 'retry', delayMs: 1_980_000 });
  });

  it('gives up when the schedule is exhausted', () => {
    expect(decideOutcome(input({ status: 500 }, 4))).toEqual({ kind: 'failed', reason: 'gave up after 4 attempts' });
  });

  it('honours Retry-After on 429/502/503/504, clamped to [delay, 2 x delay]', () => {
    expect(decideOutcome(input({ status: 429, retryAfter: '7' }))).toEqual({ kind: 'retry', delayMs: 7000 });
    expect(decideOutcome(input({ status: 503, retryAfter: '1' }))).toEqual({ kind: 'retry', delayMs: 5000 });
    expect(decideOutcome(input({ status: 504, retryAfter: '3600' }))).toEqual({ kind: 'retry', delayMs: 10_000 });
    const date = new Date(now.getTime() + 8000).toUTCString();
    expect(decideOutcome(input({ status: 502, retryAfter: date }))).toEqual({ kind: 'retry', delayMs: 8000 });
    // Not a throttling status: Retry-After is ignored and the jittered schedule applies.
    expect(decideOutcome(input({ status: 500, retryAfter: '9' }, 1, () => 0.5))).toEqual({
      kind: 'retry',
      delayMs: 5000,
    });
  });

  it('follows the receiver controls and non-retryable refusals', () => {
    expect(decideOutcome(input({ status: 500, deliveryControl: 'abort-message' })).kind).toBe('failed');
    expect(decideOutcome(input({ status: 200, deliveryControl: 'disable' })).kind).toBe('disable');
    expect(decideOutcome(input({ status: null, nonRetryableError: 'target refused: 127.0.0.1 is loopback' }))).toEqual({
      kind: 'failed',
      reason: 'target refused: 127.0.0.1 is loopback',
    });
  });

  it('parses Retry-After seconds and dates, and ignores garbage', () => {
    expect(parseRetryAfter('120', now)).toBe(120_000);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
  });
});
