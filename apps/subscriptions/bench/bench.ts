/**
 * Benchmark (not a test): `npm run bench` in apps/subscriptions.
 * 1. `GET /subscription/:id` under load for 10 s, 3 runs (target >= 3,000 req/s).
 * 2. `GET /subscription/snapshot` of 100,000 subscriptions, 3 runs (target < 3 s).
 * Medians are reported. MongoDB: MONGO_URL when set, else the embedded server in its own process
 * (as in `npm start`'s data path it is a separate server; in-process it would share our event loop); RabbitMQ at
 * RABBITMQ_URL (only the change feed uses it). The load generator runs in a worker thread so it
 * does not share the server's event loop; autocannon is used when installed.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { Worker } from 'node:worker_threads';
import { parseEnv, subscriptionsEnv } from '@hookline/config';
import { newId } from '@hookline/contracts';
import { closeServer, createLogger, listen } from '@hookline/http';
import { connectMongo, createBroker } from '@hookline/runtime';
import { generateSecret } from '@hookline/signing';
import { deleteNamespace, RABBITMQ_URL, uniqueNamespace } from '@hookline/testing';
import { createApp } from '../src/app';

const DURATION_S = Number(process.env.BENCH_DURATION_S ?? 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);
const SNAPSHOT_SIZE = Number(process.env.BENCH_SNAPSHOT_SIZE ?? 100_000);
const RUNS = 3;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

// Plain JS for the worker: keep-alive connections, each sending its next request when the last ends.
const LOADER = `
const { parentPort, workerData } = require('node:worker_threads');
const http = require('node:http');
const { url, connections, durationMs } = workerData;
const agent = new http.Agent({ keepAlive: true, maxSockets: connections });
const end = Date.now() + durationMs;
let ok = 0, errors = 0; const latencies = [];
function one() {
  return new Promise((resolve) => {
    const t = process.hrtime.bigint();
    const req = http.get(url, { agent }, (res) => {
      res.resume();
      res.on('end', () => { res.statusCode === 200 ? ok++ : errors++; latencies.push(Number(process.hrtime.bigint() - t) / 1e6); resolve(); });
    });
    req.on('error', () => { errors++; resolve(); });
  });
}
async function loop() { while (Date.now() < end) await one(); }
Promise.all(Array.from({ length: connections }, loop)).then(() => {
  latencies.sort((a, b) => a - b);
  parentPort.postMessage({ ok, errors, p50: latencies[Math.floor(latencies.length * 0.5)] ?? 0, p99: latencies[Math.floor(latencies.length * 0.99)] ?? 0 });
  agent.destroy();
});
`;

interface LoadResult {
  rps: number;
  errors: number;
  p50: number;
  p99: number;
  tool: string;
}

async function load(url: string, durationS = DURATION_S): Promise<LoadResult> {
  try {
    const { default: autocannon } = (await import('autocannon' as string)) as {
      default: (o: object) => Promise<{
        requests: { average: number };
        errors: number;
        non2xx: number;
        latency: { p50: number; p99: number };
      }>;
    };
    const r = await autocannon({ url, connections: CONNECTIONS, duration: durationS, workers: 1 });
    return {
      rps: r.requests.average,
      errors: r.errors + r.non2xx,
      p50: r.latency.p50,
      p99: r.latency.p99,
      tool: 'autocannon',
    };
  } catch {
    const r = await new Promise<{ ok: number; errors: number; p50: number; p99: number }>((resolve, reject) => {
      const w = new Worker(LOADER, {
        eval: true,
        workerData: { url, connections: CONNECTIONS, durationMs: durationS * 1000 },
      });
      w.once('message', resolve);
      w.once('error', reject);
    });
    return { rps: r.ok / durationS, errors: r.errors, p50: r.p50, p99: r.p99, tool: 'built-in keep-alive loader' };
  }
}

/** Streams the snapshot, counting lines; resolves the elapsed ms. */
function snapshot(url: string): Promise<{ ms: number; lines: number; bytes: number }> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    httpRequest(url, (res) => {
      let lines = 0;
      let bytes = 0;
      res.on('data', (c: Buffer) => {
        bytes += c.length;
        for (let i = c.indexOf(10); i !== -1; i = c.indexOf(10, i + 1)) lines++;
      });
      res.on('end', () => resolve({ ms: performance.now() - started, lines, bytes }));
      res.on('error', reject);
    })
      .on('error', reject)
      .end();
  });
}

/** The embedded MongoDB in a child process; its CLI prints the URI as the first line. */
async function spawnEmbeddedMongo(): Promise<{ uri: string; stop(): Promise<void> }> {
  // The package exports only its entry point (src/ or dist/); the bin sits beside both.
  const bin = join(dirname(require.resolve('@hookline/embedded-mongo')), '..', 'bin', 'hookline-mongo.js');
  const child = spawn(process.execPath, [bin, '--port', '0'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const [line] = (await once(createInterface({ input: child.stdout }), 'line')) as [string];
  return {
    uri: line.trim(),
    async stop() {
      child.kill('SIGTERM');
      await once(child, 'exit');
    },
  };
}

async function main(): Promise<void> {
  const embedded = process.env.MONGO_URL ? undefined : await spawnEmbeddedMongo();
  const mongoBase = process.env.MONGO_URL ?? (embedded?.uri as string);
  const namespace = uniqueNamespace('bench');
  const config = parseEnv(subscriptionsEnv, {
    HOOKLINE_NAMESPACE: namespace,
    RABBITMQ_URL,
    MONGO_URL: `${mongoBase.replace(/\/$/, '')}/bench_subscriptions_${Date.now()}`,
    LOG_LEVEL: 'warn',
  });
  const logger = createLogger('bench', 'warn');
  const broker = createBroker(config, `bench-${namespace}`, logger);
  await broker.start();
  const db = await connectMongo(config.MONGO_URL);
  const server = await listen(createApp({ config, broker, db, logger }), 0, '127.0.0.1');
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  console.log(`MongoDB: ${embedded ? 'embedded' : 'MONGO_URL'}; server ${base}`);

  try {
    const created = await fetch(`${base}/subscription`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ url: 'https://example.com/bench', eventTypes: ['LIKED_PHOTO'] }),
    });
    const { id } = (await created.json()) as { id: string };

    // The HTTP ceiling of this machine and loader, for reading the figure below.
    const ceiling = await load(`${base}/healthz`);
    console.log(`baseline GET /healthz: ${Math.round(ceiling.rps)} req/s (${ceiling.tool})`);

    // Not counted: lets both processes' JIT settle on the lookup path (the first run was always slowest).
    await load(`${base}/subscription/${id}`, 5);

    const gets: LoadResult[] = [];
    for (let run = 1; run <= RUNS; run++) {
      const r = await load(`${base}/subscription/${id}`);
      gets.push(r);
      console.log(
        `GET /subscription/:id run ${run}: ${Math.round(r.rps)} req/s, p50 ${r.p50.toFixed(1)} ms, p99 ${r.p99.toFixed(1)} ms, errors ${r.errors} (${r.tool}, ${CONNECTIONS} connections, ${DURATION_S} s)`,
      );
    }

    const insertStarted = performance.now();
    const collection = db.collection('subscriptions');
    const BATCH = 10_000;
    for (let i = 1; i < SNAPSHOT_SIZE; i += BATCH) {
      const now = new Date();
      const docs = Array.from({ length: Math.min(BATCH, SNAPSHOT_SIZE - i) }, (_, k) => ({
        _id: newId('sub'),
        url: `https://example.com/hooks/${i + k}`,
        eventTypes: ['LIKED_PHOTO', 'user_registered'],
        secret: generateSecret(),
        enabled: true,
        createdAt: now,
        updatedAt: now,
      }));
      await collection.insertMany(docs as never[], { ordered: false });
    }
    const total = await collection.countDocuments();
    console.log(`inserted ${total} subscriptions in ${Math.round(performance.now() - insertStarted)} ms`);

    const snaps: number[] = [];
    for (let run = 1; run <= RUNS; run++) {
      const r = await snapshot(`${base}/subscription/snapshot`);
      if (r.lines !== total) throw new Error(`snapshot had ${r.lines} lines, expected ${total}`);
      snaps.push(r.ms);
      console.log(
        `snapshot run ${run}: ${r.lines} records, ${(r.bytes / 1e6).toFixed(1)} MB in ${Math.round(r.ms)} ms`,
      );
    }

    console.log('---');
    console.log(
      `GET /subscription/:id median ${Math.round(median(gets.map((g) => g.rps)))} req/s (target >= 3000); ` +
        `snapshot of ${total} median ${Math.round(median(snaps))} ms (target < 3000)`,
    );
  } finally {
    await closeServer(server);
    await db.dropDatabase().catch(() => {});
    await db.close();
    await broker.close();
    await deleteNamespace(namespace);
    await embedded?.stop();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
