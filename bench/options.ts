/** `npm run bench` options: flags from argv and the counts of each scenario (full or --quick). */

export const argv = process.argv.slice(2);
export const flag = (name: string) => argv.includes(`--${name}`);
export const opt = (name: string) => argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1];
export const QUICK = flag('quick');
export const PROFILE = flag('profile');
export const TRACE = flag('trace');
/** `--hookline-env=KEY=VALUE` (repeatable): extra env for every Hookline child, for what-if runs. */
export const EXTRA_ENV = Object.fromEntries(
  argv
    .filter((a) => a.startsWith('--hookline-env='))
    .map((a) => a.slice('--hookline-env='.length))
    .map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]),
);
export const RUNS = Number(opt('runs') ?? (QUICK || PROFILE ? 1 : 3));
export const ONLY = new Set(
  (opt('only') ?? 'floor,throughput,drain,latency,fanout,isolation,controls,tenants').split(','),
);

export const N = QUICK
  ? {
      throughput: 3000,
      concurrency: 64,
      latency: 1000,
      rate: 500,
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
      rate: 500,
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
