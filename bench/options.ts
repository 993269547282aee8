/** `npm run bench` options: flags from argv and the counts of each scenario (full or --quick). */

export const argv = process.argv.slice(2);
export const flag = (name: string) => argv.includes(`--${name}`);
export const opt = (name: string) => argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1];
export const QUICK = flag('quick');
export const PROFILE = flag('profile');
export const TRACE = flag('trace');
/**
 * Extra env for every Hookline child, for what-if runs: `--env KEY=VALUE`, `--env=KEY=VALUE` or
 * `--hookline-env=KEY=VALUE`, each repeatable (e.g. `--env OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:4318`
 * beside a run without it shows what tracing costs).
 */
export const EXTRA_ENV: Record<string, string> = Object.fromEntries(
  argv
    .flatMap((a, i) => {
      if (a === '--env') return argv[i + 1] ? [argv[i + 1] as string] : [];
      const prefix = ['--env=', '--hookline-env='].find((p) => a.startsWith(p));
      return prefix ? [a.slice(prefix.length)] : [];
    })
    .map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]),
);
/** Every scenario, in the order a repetition runs them (`--only=` takes a comma-separated subset). */
export const SCENARIOS = [
  'floor',
  'throughput',
  'ingest',
  'drain',
  'transform',
  'latency',
  'fanout',
  'fanout-filter',
  'isolation',
  'controls',
  'tenants',
  'rules',
] as const;
export const RUNS = Number(opt('runs') ?? (QUICK || PROFILE ? 1 : 3));
export const ONLY = new Set((opt('only') ?? SCENARIOS.join(',')).split(','));

export const N = QUICK
  ? {
      throughput: 3000,
      concurrency: 64,
      latency: 1000,
      /** Latency is measured at each of these rates (events/s). */
      rates: [1000, 2000],
      fanout: 200,
      isolation: 500,
      isoRate: 250,
      warm: 200,
      fifo: 200,
      rateEvents: 500,
      rateLimit: 100,
      tenants: 1000,
    }
  : {
      throughput: 20_000,
      concurrency: 64,
      latency: 5000,
      /** Latency is measured at each of these rates (events/s). */
      rates: [1000, 2000],
      fanout: 1000,
      isolation: 2000,
      isoRate: 250,
      warm: 500,
      fifo: 1000,
      rateEvents: 2000,
      rateLimit: 200,
      tenants: 10_000,
    };
/** Longest wait for the last delivery of a batch before the run is reported as incomplete. */
export const DRAIN_TIMEOUT_MS = QUICK ? 60_000 : 180_000;

export const log = (msg: string) => process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${msg}\n`);
