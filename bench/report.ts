/** The table: medians over the repetitions, ratios against the floor, rendered as Markdown. */
import type { FifoBenchResult, RateBenchResult } from './controls';
import type { FloorResult } from './floor-scenario';
import { median } from './lib/stats';
import { N } from './options';
import type { DrainResult, FanoutResult, IsolationResult, LatencyResult, ThroughputResult } from './scenarios';
import type { TenantsBenchResult } from './tenants';

/** One repetition's results, by scenario. */
export interface Rep {
  floor?: FloorResult;
  throughput?: ThroughputResult;
  drain?: DrainResult;
  latency?: LatencyResult;
  fanout?: FanoutResult;
  isolation?: IsolationResult;
  controls?: { fifo: FifoBenchResult; rate: RateBenchResult };
  tenants?: TenantsBenchResult;
  errors: Record<string, string>;
}

export interface Row {
  scenario: string;
  unit: string;
  hookline: number;
  floor: number | null;
  ratio: number | null;
  target: string;
  higherIsBetter: boolean;
}

export function table(reps: Rep[]): Row[] {
  const m = (f: (r: Rep) => number | undefined) =>
    median(reps.map(f).filter((x): x is number => typeof x === 'number'));
  const hl = {
    tp: m((r) => r.throughput?.perSec),
    drain: m((r) => r.drain?.perSec),
    p50: m((r) => r.latency?.p50),
    p99: m((r) => r.latency?.p99),
    fan: m((r) => r.fanout?.lastMs),
    isoA: m((r) => r.isolation?.without.p99),
    isoB: m((r) => r.isolation?.with.p99),
    fifo: m((r) => r.controls?.fifo.perSec),
    rate: m((r) => r.controls?.rate.achievedPerSec),
    tenants: m((r) => r.tenants?.perSec),
    tenantsIndex: m((r) => r.tenants?.indexMs),
  };
  const fl = {
    tp: m((r) => r.floor?.throughput.perSec),
    p50: m((r) => r.floor?.latency.p50),
    p99: m((r) => r.floor?.latency.p99),
    fan: m((r) => r.floor?.fanout.lastMs),
  };
  const ratio = (a: number, b: number) =>
    Number.isFinite(a) && Number.isFinite(b) && b !== 0 ? Number((a / b).toPrecision(3)) : null;
  const nn = (x: number) => (Number.isFinite(x) ? x : null);
  return [
    {
      scenario: `1. throughput, ${N.throughput} likes, 64 in flight`,
      unit: 'deliveries/s',
      hookline: hl.tp,
      floor: nn(fl.tp),
      ratio: ratio(hl.tp, fl.tp),
      target: '>= 5000',
      higherIsBetter: true,
    },
    {
      scenario: `1b. dispatcher alone: ${N.throughput} events published to RabbitMQ, no HTTP ingest`,
      unit: 'deliveries/s',
      hookline: hl.drain,
      floor: nn(fl.tp),
      ratio: ratio(hl.drain, fl.tp),
      target: 'ratio >= 0.5',
      higherIsBetter: true,
    },
    {
      scenario: `2. latency p50 @ ${N.rate}/s (${N.latency} events)`,
      unit: 'ms',
      hookline: hl.p50,
      floor: nn(fl.p50),
      ratio: ratio(fl.p50, hl.p50),
      target: '<= 5',
      higherIsBetter: false,
    },
    {
      scenario: `2. latency p99 @ ${N.rate}/s (${N.latency} events)`,
      unit: 'ms',
      hookline: hl.p99,
      floor: nn(fl.p99),
      ratio: ratio(fl.p99, hl.p99),
      target: '<= 25',
      higherIsBetter: false,
    },
    {
      scenario: `3. fan-out 1 event -> ${N.fanout} subscriptions, last receipt`,
      unit: 'ms',
      hookline: hl.fan,
      floor: nn(fl.fan),
      ratio: ratio(fl.fan, hl.fan),
      target: '< 1000',
      higherIsBetter: false,
    },
    {
      scenario: `4. isolation: fast p99, no hanging receiver (${N.isolation} @ ${N.isoRate}/s)`,
      unit: 'ms',
      hookline: hl.isoA,
      floor: null,
      ratio: null,
      target: '(baseline)',
      higherIsBetter: false,
    },
    {
      scenario: `4. isolation: fast p99, beside a hanging receiver`,
      unit: 'ms',
      hookline: hl.isoB,
      floor: null,
      ratio: ratio(hl.isoA, hl.isoB),
      target: 'ratio >= 0.5',
      higherIsBetter: false,
    },
    {
      scenario: `6. FIFO: 10 subscriptions side by side, ${N.fifo} events each, in total`,
      unit: 'deliveries/s',
      hookline: hl.fifo,
      floor: null,
      ratio: null,
      target: '(measured)',
      higherIsBetter: true,
    },
    {
      scenario: `7. rate limit ${N.rateLimit}/s, ${N.rateEvents} events: achieved (ratio: of the limit)`,
      unit: 'deliveries/s',
      hookline: hl.rate,
      floor: null,
      ratio: ratio(hl.rate, N.rateLimit),
      target: '<= limit in any 1 s',
      higherIsBetter: true,
    },
    {
      scenario: `8. ${N.tenants} tenants x 10 subscriptions, ${N.throughput} events for random tenants (ratio: of 1b)`,
      unit: 'deliveries/s',
      hookline: hl.tenants,
      floor: null,
      ratio: ratio(hl.tenants, hl.drain),
      target: 'ratio >= 0.9',
      higherIsBetter: true,
    },
    {
      scenario: `8. index of ${N.tenants * 10} subscriptions built from the snapshot`,
      unit: 'ms',
      hookline: hl.tenantsIndex,
      floor: null,
      ratio: null,
      target: '< 3000',
      higherIsBetter: false,
    },
  ];
}

export function render(rows: Row[]): string {
  const fmt = (x: number | null) =>
    x === null || !Number.isFinite(x) ? 'n/a' : x >= 100 ? x.toFixed(0) : x >= 0.01 ? x.toFixed(2) : x.toPrecision(2);
  const cells = rows.map((r) => [`${r.scenario} [${r.unit}]`, fmt(r.hookline), fmt(r.floor), fmt(r.ratio), r.target]);
  const head = ['scenario', 'Hookline', 'floor', 'ratio', 'target'];
  const w = head.map((h, i) => Math.max(h.length, ...cells.map((c) => (c[i] as string).length)));
  const line = (c: string[]) =>
    `| ${c.map((x, i) => (i === 0 ? x.padEnd(w[i] as number) : x.padStart(w[i] as number))).join(' | ')} |`;
  return [
    line(head),
    `|${w.map((n, i) => (i === 0 ? `${'-'.repeat(n + 1)}-` : `${'-'.repeat(n + 1)}:`)).join('|')}|`,
    ...cells.map(line),
  ].join('\n');
}

export const FOOTNOTE = [
  'Medians over the runs. ratio: higher is better. Throughput: Hookline / floor. Latency and fan-out: floor / Hookline.',
  'Isolation "beside a hanging receiver" row: p99 without / p99 with (>= 0.5 means within 2x).',
  'Hookline runs as `npm start` (one process, LOG_LEVEL=warn: the per-attempt info log line is off), default',
  'DELIVERY_CONCURRENCY/MAX_IN_FLIGHT_PER_SUBSCRIPTION; the floor is amqplib (prefetch 100) + keep-alive http POST.',
].join('\n');
