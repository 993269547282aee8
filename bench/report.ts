/**
 * The tables: medians over the repetitions, ratios against the floor, the machine's load beside each
 * scenario, and CPU ms per 1,000 deliveries by process, rendered as Markdown.
 */
import type { FifoBenchResult, RateBenchResult } from './controls';
import type { FloorResult } from './floor-scenario';
import type { IngestResult } from './ingest';
import { CPU_ROLES, type CpuPerThousand, type CpuRole } from './lib/cpu';
import { median } from './lib/stats';
import { N } from './options';
import type { RulesMicroResult } from './rules-micro';
import type { DrainResult, FanoutResult, IsolationResult, LatencyResult, ThroughputResult } from './scenarios';
import type { TenantsBenchResult } from './tenants';

/** One repetition's results, by scenario. */
export interface Rep {
  floor?: FloorResult;
  throughput?: ThroughputResult;
  /** 11: CPU per GET /like in the serving process, Hookline and the ingest floor. */
  ingest?: { hookline: IngestResult; floor: IngestResult };
  drain?: DrainResult;
  /** 1b with a transformation on the subscription. */
  transform?: DrainResult;
  /** One per rate of N.rates. */
  latency?: LatencyResult[];
  fanout?: FanoutResult;
  /** 3 with a 5-operator filter on every subscription, half matching. */
  fanoutFilter?: FanoutResult;
  isolation?: IsolationResult;
  controls?: { fifo: FifoBenchResult; rate: RateBenchResult };
  tenants?: TenantsBenchResult;
  rules?: RulesMicroResult;
  /** os.loadavg() (1, 5, 15 min) when each scenario ended, by scenario name. */
  load: Record<string, number[]>;
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
  /** Median over the repetitions of the 1-minute load average when the scenario ended. */
  load: number | null;
}

export interface CpuRow {
  scenario: string;
  /** Medians over the repetitions, by process; ms per 1,000 deliveries = µs per delivery. */
  cpu: CpuPerThousand;
  total: number | null;
  load: number | null;
}

type Pick_ = (r: Rep) => number | undefined;
const medianOf = (reps: Rep[], f: Pick_) => median(reps.map(f).filter((x): x is number => typeof x === 'number'));
const nn = (x: number) => (Number.isFinite(x) ? x : null);
const ratio = (a: number, b: number) =>
  Number.isFinite(a) && Number.isFinite(b) && b !== 0 ? Number((a / b).toPrecision(3)) : null;
const loadOf = (reps: Rep[], scenario: string) => nn(medianOf(reps, (r) => r.load?.[scenario]?.[0]));

export function table(reps: Rep[]): Row[] {
  const m = (f: Pick_) => medianOf(reps, f);
  const lat = (rate: number, q: 'p50' | 'p99') => ({
    hl: m((r) => r.latency?.find?.((l) => l.rate === rate)?.[q]),
    floor: m((r) => r.floor?.latency?.find?.((l) => l.rate === rate)?.[q]),
  });
  const hl = {
    tp: m((r) => r.throughput?.perSec),
    drain: m((r) => r.drain?.perSec),
    transform: m((r) => r.transform?.perSec),
    fan: m((r) => r.fanout?.lastMs),
    fanFilter: m((r) => r.fanoutFilter?.lastMs),
    isoA: m((r) => r.isolation?.without.p99),
    isoB: m((r) => r.isolation?.with.p99),
    fifo: m((r) => r.controls?.fifo.perSec),
    rate: m((r) => r.controls?.rate.achievedPerSec),
    tenants: m((r) => r.tenants?.perSec),
    tenantsIndex: m((r) => r.tenants?.indexMs),
    tenantsHttpIndex: m((r) => r.tenants?.httpIndexMs),
  };
  const floorTp = m((r) => r.floor?.throughput.perSec);
  const floorFan = m((r) => r.floor?.fanout.lastMs);
  const cpuHl = (f: (r: Rep) => CpuPerThousand | undefined) => m((r) => f(r)?.hookline);
  // A repetition whose receipts stopped short still gives a rate (over what arrived): the row says so.
  const completeOf: Record<string, (r: Rep) => boolean | undefined> = {
    throughput: (r) => r.throughput?.complete,
    drain: (r) => r.drain?.complete,
    transform: (r) => r.transform?.complete,
    fanout: (r) => r.fanout?.complete,
    'fanout-filter': (r) => r.fanoutFilter?.complete,
    tenants: (r) => r.tenants?.complete,
  };
  const incomplete = (scenario: string) => {
    const f = completeOf[scenario];
    const n = f ? reps.filter((r) => f(r) === false).length : 0;
    return n ? ` (INCOMPLETE in ${n} of ${reps.length} runs)` : '';
  };
  const row = (
    load: string,
    r: Omit<Row, 'load' | 'floor' | 'ratio'> & { floor?: number | null; ratio?: number | null },
  ): Row => ({
    floor: null,
    ratio: null,
    ...r,
    scenario: `${r.scenario}${r.unit === 'deliveries/s' || r.scenario.includes('last receipt') ? incomplete(load) : ''}`,
    load: loadOf(reps, load),
  });
  const fanMatching = Math.ceil(N.fanout / 2);

  const latencyRows = N.rates.flatMap((rate) =>
    (['p50', 'p99'] as const).map((q) => {
      const l = lat(rate, q);
      const target = { 1000: { p50: '<= 2', p99: '<= 10' }, 2000: { p50: '(measured)', p99: '<= 25' } }[rate]?.[q];
      return row('latency', {
        scenario: `2. latency ${q} @ ${rate}/s, GET /like (${N.latency} events)`,
        unit: 'ms',
        hookline: l.hl,
        floor: nn(l.floor),
        ratio: ratio(l.floor, l.hl),
        target: target ?? '(measured)',
        higherIsBetter: false,
      });
    }),
  );

  return [
    row('throughput', {
      scenario: `1. throughput, ${N.throughput} GET /like, ${N.concurrency} in flight`,
      unit: 'deliveries/s',
      hookline: hl.tp,
      floor: nn(floorTp),
      ratio: ratio(hl.tp, floorTp),
      target: 'ratio >= 0.3',
      higherIsBetter: true,
    }),
    row('ingest', {
      scenario: `11. ingest alone: ${N.throughput} GET /like, nobody subscribed, CPU of the serving process per request (ratio: Hookline / floor)`,
      unit: 'µs',
      hookline: m((r) => r.ingest?.hookline.cpuUsPerRequest),
      floor: nn(m((r) => r.ingest?.floor.cpuUsPerRequest)),
      ratio: ratio(
        m((r) => r.ingest?.hookline.cpuUsPerRequest),
        m((r) => r.ingest?.floor.cpuUsPerRequest),
      ),
      target: '(cost)',
      higherIsBetter: false,
    }),
    row('drain', {
      scenario: `1b. dispatcher alone: ${N.throughput} events published to RabbitMQ, no HTTP ingest`,
      unit: 'deliveries/s',
      hookline: hl.drain,
      floor: nn(floorTp),
      ratio: ratio(hl.drain, floorTp),
      target: 'ratio >= 0.5',
      higherIsBetter: true,
    }),
    row('transform', {
      scenario: `10. 1b with a JSONata transformation on every delivery (ratio: of 1b)`,
      unit: 'deliveries/s',
      hookline: hl.transform,
      floor: nn(floorTp),
      ratio: ratio(hl.transform, hl.drain),
      target: '(beside 1b)',
      higherIsBetter: true,
    }),
    ...latencyRows,
    row('fanout', {
      scenario: `3. fan-out 1 event -> ${N.fanout} subscriptions, last receipt`,
      unit: 'ms',
      hookline: hl.fan,
      floor: nn(floorFan),
      ratio: ratio(floorFan, hl.fan),
      target: '<= 150',
      higherIsBetter: false,
    }),
    row('fanout-filter', {
      scenario: `9. fan-out 1 event -> ${N.fanout} subscriptions with 5-operator filters (${fanMatching} match), last receipt (ratio: 3 / 9)`,
      unit: 'ms',
      hookline: hl.fanFilter,
      ratio: ratio(hl.fan, hl.fanFilter),
      target: '(beside 3)',
      higherIsBetter: false,
    }),
    row('fanout-filter', {
      scenario: '9. filters: Hookline CPU per delivery, 9 minus 3',
      unit: 'µs',
      hookline: cpuHl((r) => r.fanoutFilter?.cpuPer1k) - cpuHl((r) => r.fanout?.cpuPer1k),
      target: '(cost)',
      higherIsBetter: false,
    }),
    row('rules', {
      scenario: '9. filter evaluation alone (packages/rules matchesFilter, 5 operators, match)',
      unit: 'µs per call',
      hookline: m((r) => r.rules?.filterMatchUs),
      target: '(cost)',
      higherIsBetter: false,
    }),
    row('rules', {
      scenario: '9. filter evaluation alone (the same filter, not matching on its last operator)',
      unit: 'µs per call',
      hookline: m((r) => r.rules?.filterMissUs),
      target: '(cost)',
      higherIsBetter: false,
    }),
    row('transform', {
      scenario: '10. transformations: Hookline CPU per delivery, 10 minus 1b',
      unit: 'µs',
      hookline: cpuHl((r) => r.transform?.cpuPer1k) - cpuHl((r) => r.drain?.cpuPer1k),
      target: '(cost)',
      higherIsBetter: false,
    }),
    row('rules', {
      scenario: '10. transformation alone (packages/rules runTransform)',
      unit: 'µs per call',
      hookline: m((r) => r.rules?.transformUs),
      target: '(cost)',
      higherIsBetter: false,
    }),
    row('isolation', {
      scenario: `4. isolation: fast p99, no hanging receiver (${N.isolation} @ ${N.isoRate}/s)`,
      unit: 'ms',
      hookline: hl.isoA,
      target: '(baseline)',
      higherIsBetter: false,
    }),
    row('isolation', {
      scenario: '4. isolation: fast p99 beside a hanging receiver (ratio: beside / alone)',
      unit: 'ms',
      hookline: hl.isoB,
      ratio: ratio(hl.isoB, hl.isoA),
      target: 'ratio <= 1.25',
      higherIsBetter: false,
    }),
    row('controls', {
      scenario: `6. FIFO: 10 subscriptions side by side, ${N.fifo} events each, in total`,
      unit: 'deliveries/s',
      hookline: hl.fifo,
      target: '(measured)',
      higherIsBetter: true,
    }),
    row('controls', {
      scenario: `7. rate limit ${N.rateLimit}/s, ${N.rateEvents} events: achieved (ratio: of the limit)`,
      unit: 'deliveries/s',
      hookline: hl.rate,
      ratio: ratio(hl.rate, N.rateLimit),
      target: '<= limit in any 1 s',
      higherIsBetter: true,
    }),
    row('tenants', {
      scenario: `8. ${N.tenants} tenants x 10 subscriptions, ${N.throughput} events for random tenants (ratio: of 1b)`,
      unit: 'deliveries/s',
      hookline: hl.tenants,
      ratio: ratio(hl.tenants, hl.drain),
      target: 'ratio >= 0.9',
      higherIsBetter: true,
    }),
    row('tenants', {
      scenario: `8. index of ${N.tenants * 10} subscriptions built from the snapshot (npm start)`,
      unit: 'ms',
      hookline: hl.tenantsIndex,
      target: '< 3000',
      higherIsBetter: false,
    }),
    row('tenants', {
      scenario: `8. the same over HTTP (a dispatcher in a process of its own)`,
      unit: 'ms',
      hookline: hl.tenantsHttpIndex,
      target: '< 3000',
      higherIsBetter: false,
    }),
  ];
}

/** CPU ms per 1,000 deliveries by process, for every throughput-like scenario and the floor. */
export function cpuTable(reps: Rep[]): CpuRow[] {
  const rows: [string, string, (r: Rep) => CpuPerThousand | undefined][] = [
    ['1. throughput, GET /like', 'throughput', (r) => r.throughput?.cpuPer1k],
    ['1b. dispatcher alone', 'drain', (r) => r.drain?.cpuPer1k],
    ['10. 1b with a transformation', 'transform', (r) => r.transform?.cpuPer1k],
    [`3. fan-out to ${N.fanout}`, 'fanout', (r) => r.fanout?.cpuPer1k],
    [`9. fan-out to ${N.fanout} with filters`, 'fanout-filter', (r) => r.fanoutFilter?.cpuPer1k],
    ['8. many tenants', 'tenants', (r) => r.tenants?.cpuPer1k],
    ['5. floor: throughput', 'floor', (r) => r.floor?.throughput.cpuPer1k],
  ];
  return rows.map(([scenario, load, f]) => {
    const cpu: CpuPerThousand = {};
    for (const role of CPU_ROLES) {
      const v = medianOf(reps, (r) => f(r)?.[role]);
      if (Number.isFinite(v)) cpu[role] = v;
    }
    const values = Object.values(cpu);
    return { scenario, cpu, total: values.length ? values.reduce((a, b) => a + b, 0) : null, load: loadOf(reps, load) };
  });
}

const fmt = (x: number | null | undefined) =>
  x === null || x === undefined || !Number.isFinite(x)
    ? 'n/a'
    : Math.abs(x) >= 100
      ? x.toFixed(0)
      : Math.abs(x) >= 0.01
        ? x.toFixed(2)
        : x.toPrecision(2);

/** A Markdown table: the first column left-aligned, the others right-aligned. */
function markdown(head: string[], cells: string[][]): string {
  const w = head.map((h, i) => Math.max(h.length, ...cells.map((c) => (c[i] as string).length)));
  const line = (c: string[]) =>
    `| ${c.map((x, i) => (i === 0 ? x.padEnd(w[i] as number) : x.padStart(w[i] as number))).join(' | ')} |`;
  return [
    line(head),
    `|${w.map((n, i) => (i === 0 ? `${'-'.repeat(n + 1)}-` : `${'-'.repeat(n + 1)}:`)).join('|')}|`,
    ...cells.map(line),
  ].join('\n');
}

export function render(rows: Row[]): string {
  return markdown(
    ['scenario', 'Hookline', 'floor', 'ratio', 'target', 'load 1m'],
    rows.map((r) => [`${r.scenario} [${r.unit}]`, fmt(r.hookline), fmt(r.floor), fmt(r.ratio), r.target, fmt(r.load)]),
  );
}

const ROLE_HEADS: Record<CpuRole, string> = {
  hookline: 'Hookline',
  mongo: 'MongoDB',
  rabbit: 'RabbitMQ',
  receiver: 'receiver',
  floor: 'floor consumer',
};

export function renderCpu(rows: CpuRow[]): string {
  return markdown(
    ['CPU ms per 1,000 deliveries', ...CPU_ROLES.map((r) => ROLE_HEADS[r]), 'total', 'load 1m'],
    rows.map((r) => [r.scenario, ...CPU_ROLES.map((role) => fmt(r.cpu[role])), fmt(r.total), fmt(r.load)]),
  );
}

export const FOOTNOTE = [
  'Medians over the runs. ratio: higher is better for throughput (Hookline / floor; 8 and 10: of 1b) and latency',
  'and fan-out (floor / Hookline); isolation: p99 beside a hanging receiver / p99 alone, lower is better (<= 1.25).',
  'load 1m: the 1-minute load average when the scenario ended (2 cores: above 2 means processes waited for a core).',
  'CPU: utime+stime from /proc of each process tree over the timed window (first send to last receipt + 300 ms),',
  'per 1,000 deliveries, which is also µs per delivery; "9 minus 3" and "10 minus 1b" are Hookline\'s differences.',
  'Hookline runs as `npm start` (one process, LOG_LEVEL=warn: the per-attempt info log line is off), default',
  'DELIVERY_CONCURRENCY/MAX_IN_FLIGHT_PER_SUBSCRIPTION; the floor is amqplib (prefetch 100) + keep-alive http POST.',
  "11's floor is Node's http module answering GET /like after a confirmed amqplib publish (bench/ingest-floor.ts).",
].join('\n');
