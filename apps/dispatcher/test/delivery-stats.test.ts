import { percentile, summarizeAttempts } from '../src/operations/delivery-stats';

describe('delivery stats', () => {
  test('nearest-rank percentiles', () => {
    const values = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(percentile(values, 50)).toBe(50);
    expect(percentile(values, 99)).toBe(99);
    expect(percentile([7], 99)).toBe(7);
    expect(percentile([], 50)).toBeNull();
  });

  test('attempts per minute, success rate and durations over the window; older ones are left out', () => {
    const now = new Date('2026-11-28T10:30:30Z');
    const at = (iso: string) => new Date(iso);
    const summary = summarizeAttempts(
      [
        { at: at('2026-11-28T10:30:10Z'), durationMs: 10, statusCode: 200 },
        { at: at('2026-11-28T10:30:20Z'), durationMs: 30, statusCode: 500 },
        { at: at('2026-11-28T10:29:59Z'), durationMs: 20, statusCode: null },
        { at: at('2026-11-28T10:27:00Z'), durationMs: 1000, statusCode: 204 },
        { at: at('2026-11-28T09:00:00Z'), durationMs: 5000, statusCode: 200 },
      ],
      now,
      3,
    );
    expect(summary.perMinute).toEqual([
      { minute: '2026-11-28T10:28:00.000Z', ok: 0, failed: 0 },
      { minute: '2026-11-28T10:29:00.000Z', ok: 0, failed: 1 },
      { minute: '2026-11-28T10:30:00.000Z', ok: 1, failed: 1 },
    ]);
    expect(summary.attempts).toBe(3);
    expect(summary.successRate).toBeCloseTo(1 / 3);
    expect(summary.p50Ms).toBe(20);
    expect(summary.p99Ms).toBe(30);
  });

  test('no attempts: no rate, no percentiles, empty buckets', () => {
    const summary = summarizeAttempts([], new Date('2026-11-28T10:00:00Z'), 60);
    expect(summary.perMinute).toHaveLength(60);
    expect(summary.successRate).toBeNull();
    expect(summary.p99Ms).toBeNull();
  });
});
