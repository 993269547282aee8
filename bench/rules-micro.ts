/**
 * The rules alone (packages/rules, in the bench's own process): microseconds per call of the filter
 * evaluation the dispatcher runs for every event and subscription, and of the transformation it runs
 * for every delivery, with scenario 9's filter and scenario 10's expression. CPU time, medians of batches.
 */
import { matchesFilter, runTransform } from '@hookline/rules';
import { median, round } from './lib/stats';
import { BENCH_TRANSFORM, benchFilter } from './scenarios';

export interface RulesMicroResult {
  /** A 5-operator filter that holds (every operator evaluated). */
  filterMatchUs: number;
  /** The same filter failing on its last operator. */
  filterMissUs: number;
  transformUs: number;
  batches: number;
}

const BATCHES = 9;

/**
 * Median CPU µs per call over batches of `calls` calls (this process's user + system time, which a
 * crowded machine changes far less than wall time); a call that returns a promise is awaited.
 */
async function usPerCall(calls: number, call: () => unknown): Promise<number> {
  const perBatch: number[] = [];
  for (let b = 0; b < BATCHES; b++) {
    const t0 = process.cpuUsage();
    for (let i = 0; i < calls; i++) {
      const r = call();
      if (r instanceof Promise) await r;
    }
    const used = process.cpuUsage(t0);
    perBatch.push((used.user + used.system) / calls);
  }
  return round(median(perBatch.slice(1)), 3); // the first batch warms the JIT up
}

export async function rulesMicro(): Promise<RulesMicroResult> {
  const envelope = {
    id: 'evt_01JBENCH0000000000000000',
    type: 'LIKED_PHOTO',
    timestamp: new Date().toISOString(),
    data: { photoId: 'ffan-1' },
  };
  const [holds, fails] = [benchFilter(0), benchFilter(1)];
  if (!matchesFilter(holds, envelope) || matchesFilter(fails, envelope)) throw new Error('benchFilter does not split');
  const transformed = await runTransform(BENCH_TRANSFORM, envelope);
  if (!transformed.ok) throw new Error(`BENCH_TRANSFORM failed: ${transformed.error.message}`);
  return {
    filterMatchUs: await usPerCall(20_000, () => matchesFilter(holds, envelope)),
    filterMissUs: await usPerCall(20_000, () => matchesFilter(fails, envelope)),
    transformUs: await usPerCall(1000, () => runTransform(BENCH_TRANSFORM, envelope)),
    batches: BATCHES,
  };
}
