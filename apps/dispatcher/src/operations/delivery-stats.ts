/**
 * The dashboard's overview numbers, as a pure function of the attempts of a window (unit-tested):
 * attempts per minute (ok / failed), success rate and attempt duration percentiles.
 */
export interface AttemptSample {
  at: Date;
  durationMs: number;
  statusCode: number | null;
}

export interface MinuteBucket {
  /** Start of the minute, ISO 8601. */
  minute: string;
  ok: number;
  failed: number;
}

export interface AttemptSummary {
  attempts: number;
  /** Share of attempts answered 2xx, 0..1; null without attempts. */
  successRate: number | null;
  p50Ms: number | null;
  p99Ms: number | null;
  perMinute: MinuteBucket[];
}

const MINUTE = 60_000;

/** Nearest-rank percentile of an ascending list: p99 of 10 values is the 10th. */
export function percentile(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1] ?? null;
}

export function summarizeAttempts(samples: readonly AttemptSample[], now: Date, minutes: number): AttemptSummary {
  // Whole minutes: the last bucket is the current, partial, minute.
  const end = Math.floor(now.getTime() / MINUTE) * MINUTE;
  const start = end - (minutes - 1) * MINUTE;
  const perMinute: MinuteBucket[] = [];
  for (let t = start; t <= end; t += MINUTE) perMinute.push({ minute: new Date(t).toISOString(), ok: 0, failed: 0 });
  let ok = 0;
  const durations: number[] = [];
  for (const s of samples) {
    const bucket = perMinute[Math.floor((s.at.getTime() - start) / MINUTE)];
    if (!bucket) continue;
    const success = s.statusCode !== null && s.statusCode >= 200 && s.statusCode < 300;
    if (success) {
      ok += 1;
      bucket.ok += 1;
    } else bucket.failed += 1;
    durations.push(s.durationMs);
  }
  durations.sort((a, b) => a - b);
  return {
    attempts: durations.length,
    successRate: durations.length === 0 ? null : ok / durations.length,
    p50Ms: percentile(durations, 50),
    p99Ms: percentile(durations, 99),
    perMinute,
  };
}
