import type { Record_ } from './procs';

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i] as number;
}

/** percentile of unsorted values. */
export const percentileOf = (xs: number[], p: number): number =>
  percentile(
    [...xs].sort((a, b) => a - b),
    p,
  );

export function median(xs: number[]): number {
  const v = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (v.length === 0) return Number.NaN;
  const m = Math.floor(v.length / 2);
  return v.length % 2 ? (v[m] as number) : ((v[m - 1] as number) + (v[m] as number)) / 2;
}

export const round = (x: number, d = 2): number => (Number.isFinite(x) ? Math.round(x * 10 ** d) / 10 ** d : x);

/** First receipt per key (a duplicate delivery counts once), plus how many duplicates arrived. */
export function firstReceipts(records: Record_[]): {
  first: Map<string, { at: number; ts: string | null }>;
  duplicates: number;
} {
  const first = new Map<string, { at: number; ts: string | null }>();
  let duplicates = 0;
  for (const [key, at, ts] of records) {
    const seen = first.get(key);
    if (!seen) first.set(key, { at, ts });
    else {
      duplicates++;
      if (at < seen.at) first.set(key, { at, ts });
    }
  }
  return { first, duplicates };
}

export interface LatencySummary {
  count: number;
  missing: number;
  duplicates: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  mean: number;
}

/** Publish-to-receipt: receipt time minus the time the client sent the request (or the publish). */
export function latency(sentAt: Map<string, number>, records: Record_[]): LatencySummary {
  const { first, duplicates } = firstReceipts(records);
  const lat: number[] = [];
  let missing = 0;
  for (const [key, sent] of sentAt) {
    const r = first.get(key);
    if (r) lat.push(r.at - sent);
    else missing++;
  }
  lat.sort((a, b) => a - b);
  const mean = lat.reduce((s, x) => s + x, 0) / (lat.length || 1);
  return {
    count: lat.length,
    missing,
    duplicates,
    p50: round(percentile(lat, 50)),
    p90: round(percentile(lat, 90)),
    p99: round(percentile(lat, 99)),
    max: round(lat[lat.length - 1] ?? Number.NaN),
    mean: round(mean),
  };
}
