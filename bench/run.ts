/**
 * `npm run bench` (a benchmark, not a test): Hookline under `npm start` against a bare floor on the
 * same machine, in the same run. See bench/README.md for what each scenario measures.
 *
 *   npm run bench                        full counts, 3 repetitions, medians
 *   npm run bench -- --quick             small counts, 1 repetition (for trying things)
 *   npm run bench -- --runs=1            repetitions
 *   npm run bench -- --only=floor,throughput,ingest,drain,transform,latency,fanout,fanout-filter,isolation,controls,tenants,rules
 *   npm run bench -- --profile           one throughput run (or --only=drain|latency|fanout|isolation|tenants) with --cpu-prof on hookline and MongoDB,
 *                                        prints the hottest functions (no table, no JSON)
 *   npm run bench -- --trace             print a per-500 ms timeline (CPU per process, queue depths)
 *   npm run bench -- --env MAX_IN_FLIGHT_PER_SUBSCRIPTION=200   what-if env for Hookline (repeatable; also --hookline-env=K=V)
 *   npm run bench -- --no-write          do not write bench/results/<date>.json
 *   npm run bench -- --from=bench/results/<date>.json   re-print a saved run
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { CONTROLS_EVENT_TYPES, fifoSideBySide, rateLimited } from './controls';
import { floor } from './floor-scenario';
import { type Ctx, withHookline } from './hookline';
import { hooklineIngest, ingestFloor } from './ingest';
import { now } from './lib/clock';
import { ROOT, tempDir } from './lib/procs';
import { summarizeProfiles } from './lib/profile';
import { argv, DRAIN_TIMEOUT_MS, EXTRA_ENV, flag, log, N, ONLY, opt, PROFILE, QUICK, RUNS } from './options';
import { cpuTable, FOOTNOTE, type Rep, type Row, render, renderCpu, table } from './report';
import { rulesMicro } from './rules-micro';
import {
  BENCH_TRANSFORM,
  hooklineDrain,
  hooklineFanout,
  hooklineIsolation,
  hooklineLatency,
  hooklineThroughput,
} from './scenarios';
import { hooklineTenants } from './tenants';

async function attempt<T>(rep: Rep, name: string, fn: () => Promise<T>): Promise<T | undefined> {
  if (!ONLY.has(name)) return undefined;
  log(`${name}...`);
  const t = now();
  try {
    const r = await fn();
    rep.load[name] = os.loadavg().map((x) => Math.round(x * 100) / 100);
    log(`${name} done in ${((now() - t) / 1000).toFixed(1)} s: ${JSON.stringify(r).slice(0, 3000)}`);
    return r;
  } catch (err) {
    rep.errors[name] = (err as Error).message;
    log(`${name} FAILED: ${(err as Error).message}`);
    return undefined;
  }
}

async function runOnce(): Promise<Rep> {
  const rep: Rep = { load: {}, errors: {} };
  rep.floor = await attempt(rep, 'floor', floor);
  rep.throughput = await attempt(rep, 'throughput', () => withHookline('tp', {}, hooklineThroughput));
  rep.ingest = await attempt(rep, 'ingest', async () => ({
    floor: await ingestFloor(),
    hookline: await withHookline('ing', {}, hooklineIngest),
  }));
  rep.drain = await attempt(rep, 'drain', () => withHookline('dr', {}, (ctx) => hooklineDrain(ctx)));
  rep.transform = await attempt(rep, 'transform', () =>
    withHookline('tf', {}, (ctx) => hooklineDrain(ctx, BENCH_TRANSFORM)),
  );
  rep.latency = await attempt(rep, 'latency', () => withHookline('lat', {}, hooklineLatency));
  rep.fanout = await attempt(rep, 'fanout', () => withHookline('fan', {}, (ctx) => hooklineFanout(ctx)));
  rep.fanoutFilter = await attempt(rep, 'fanout-filter', () =>
    withHookline('fanf', {}, (ctx) => hooklineFanout(ctx, true)),
  );
  rep.isolation = await attempt(rep, 'isolation', () => withHookline('iso', ISOLATION_ENV, hooklineIsolation));
  // Delivery controls (bench/controls.ts): 10 FIFO subscriptions side by side, then a rate limit.
  rep.controls = await attempt(rep, 'controls', () =>
    withHookline('ctl', { EXTRA_EVENT_TYPES: CONTROLS_EVENT_TYPES.join(',') }, async (ctx) => {
      const c = { base: ctx.hl.base, namespace: ctx.namespace, rcv: ctx.rcv };
      const fifo = await fifoSideBySide(c, N.fifo);
      return { fifo, rate: await rateLimited(c, N.rateEvents, N.rateLimit) };
    }),
  );
  // Many tenants (bench/tenants.ts): compare its deliveries/s with 1b's.
  rep.tenants = await attempt(rep, 'tenants', () =>
    hooklineTenants({
      tenants: N.tenants,
      events: N.throughput,
      warm: N.warm,
      timeoutMs: DRAIN_TIMEOUT_MS,
      env: EXTRA_ENV,
    }),
  );
  // The rules alone, in this process, between scenarios (nothing of Hookline's runs now).
  rep.rules = await attempt(rep, 'rules', rulesMicro);
  return rep;
}

/** The isolation scenario's Hookline: a short delivery timeout, and its two event types in the catalog. */
const ISOLATION_ENV = { DELIVERY_TIMEOUT_MS: '5000', EXTRA_EVENT_TYPES: 'bench_fast,bench_slow' };

async function profile(): Promise<void> {
  const dir = tempDir('cpuprof');
  const rep: Rep = { load: {}, errors: {} };
  // `--only=drain`, `--only=latency`, `--only=fanout`, `--only=isolation` or `--only=tenants` profiles that scenario instead of the throughput one.
  const nodeArgs = ['--cpu-prof', `--cpu-prof-dir=${dir}`];
  const scenarios = {
    throughput: hooklineThroughput,
    drain: (ctx: Ctx) => hooklineDrain(ctx),
    latency: hooklineLatency,
    fanout: (ctx: Ctx) => hooklineFanout(ctx),
    isolation: hooklineIsolation,
  } as const;
  const name =
    (['throughput', 'drain', 'latency', 'fanout', 'isolation', 'tenants'] as const).find((n) => ONLY.has(n)) ??
    'throughput';
  const r = await attempt(rep, name, () =>
    name === 'tenants'
      ? hooklineTenants({
          tenants: N.tenants,
          events: N.throughput,
          warm: N.warm,
          timeoutMs: DRAIN_TIMEOUT_MS,
          nodeArgs,
        })
      : withHookline(
          'prof',
          name === 'isolation' ? ISOLATION_ENV : {},
          scenarios[name] as (ctx: Ctx) => Promise<unknown>,
          nodeArgs,
        ),
  );
  process.stdout.write(`${name} with --cpu-prof: ${JSON.stringify(r)}\nprofiles in ${dir}\n`);
  process.stdout.write(summarizeProfiles(dir, 25));
}

/** `--from=<results.json>`: re-prints (and re-tabulates into) a results file without running anything. */
function rerender(file: string): void {
  const saved = JSON.parse(readFileSync(file, 'utf8')) as {
    reps: Rep[];
    counts: typeof N;
    table: Row[];
    cpuTable: ReturnType<typeof cpuTable>;
  };
  Object.assign(N, saved.counts);
  saved.table = table(saved.reps);
  saved.cpuTable = cpuTable(saved.reps);
  writeFileSync(file, `${JSON.stringify(saved, null, 2)}\n`);
  process.stdout.write(`${render(saved.table)}\n\n${renderCpu(saved.cpuTable)}\n\n${FOOTNOTE}\n`);
}

async function main(): Promise<void> {
  const from = opt('from');
  if (from) return rerender(from);
  if (PROFILE) return profile();
  const started = new Date();
  // Read now: the worktree may change while the run goes on.
  const commit = gitCommit();
  log(`${QUICK ? 'quick' : 'full'} run, ${RUNS} repetition(s), counts ${JSON.stringify(N)}`);
  const reps: Rep[] = [];
  for (let i = 0; i < RUNS; i++) {
    log(`repetition ${i + 1} of ${RUNS}`);
    reps.push(await runOnce());
  }
  const rows = table(reps);
  const cpuRows = cpuTable(reps);
  const ended = new Date();
  const when = `${started.toISOString().slice(0, 16)}-${ended.toISOString().slice(11, 16)} UTC`;
  const loads = `load average ${loadAtStart.map((x) => x.toFixed(2)).join(' ')} at start, ${os
    .loadavg()
    .map((x) => x.toFixed(2))
    .join(' ')} at end`;
  const out = `${render(rows)}\n\n${renderCpu(cpuRows)}\n\n${FOOTNOTE}\n${when}, commit ${commit}, ${os.cpus().length} CPUs, ${loads}\n`;
  process.stdout.write(`\n${out}`);
  const result = {
    date: started.toISOString(),
    ended: ended.toISOString(),
    commit,
    hooklineEnv: EXTRA_ENV,
    command: `npm run bench${argv.length ? ` -- ${argv.join(' ')}` : ''}`,
    quick: QUICK,
    runs: RUNS,
    counts: N,
    machine: {
      cpus: os.cpus().length,
      cpuModel: os.cpus()[0]?.model,
      loadavgAtStart: loadAtStart,
      loadavgAtEnd: os.loadavg(),
      totalMemMB: Math.round(os.totalmem() / 2 ** 20),
      platform: `${os.platform()} ${os.release()}`,
    },
    node: process.version,
    durationS: Math.round((Date.now() - started.getTime()) / 1000),
    table: rows,
    cpuTable: cpuRows,
    footnote: FOOTNOTE,
    reps,
  };
  if (!flag('no-write')) {
    const dir = join(ROOT, 'bench', 'results');
    mkdirSync(dir, { recursive: true });
    // A day's first run is <date>.json; a later one gets its start time, so no run overwrites another.
    const day = `${started.toISOString().slice(0, 10)}${QUICK ? '-quick' : ''}`;
    const time = started.toISOString().slice(11, 16).replace(':', '');
    const file =
      [join(dir, `${day}.json`), join(dir, `${day}-${time}.json`)].find((f) => !existsSync(f)) ??
      join(dir, `${day}-${time}.json`);
    writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
    log(`wrote ${file}`);
  }
}

/** The commit measured (with `+changes` when the worktree differs from it). */
function gitCommit(): string {
  try {
    const head = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], {
      cwd: ROOT,
      encoding: 'utf8',
    });
    return dirty.trim() ? `${head}+changes` : head;
  } catch {
    return 'unknown';
  }
}

const loadAtStart = os.loadavg();
main().then(
  () => process.exit(0),
  (err: Error) => {
    process.stderr.write(`bench failed: ${err.stack ?? err.message}\n`);
    process.exit(1);
  },
);
