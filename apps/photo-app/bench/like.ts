/**
 * Benchmark (not a test) of `POST /like/:id` with publisher confirms, from the figures:
 * (a) full speed, 50 connections, 10 s -> requests/s; (b) a fixed 1,000 requests/s -> p50/p99.
 * Three runs each, medians printed. The app runs in this process against the real RabbitMQ (a
 * unique namespace, deleted afterwards) and an embedded MongoDB; the load runs in worker threads.
 *   cd apps/photo-app && npm run bench        (BENCH_SECONDS=10 BENCH_RUNS=3 BENCH_CONNECTIONS=50)
 */
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { photoAppEnv } from '@hookline/config';
import { startEmbeddedMongo } from '@hookline/embedded-mongo';
import { closeServer, createLogger, listen } from '@hookline/http';
import { connectMongo, createBroker } from '@hookline/runtime';
import { deleteNamespace, RABBITMQ_URL, uniqueNamespace } from '@hookline/testing';
import { createApp } from '../src';

interface Result {
  rps: number;
  p50: number;
  p99: number;
  non2xx: number;
  errors: number;
}
interface Load {
  url: string;
  connections: number;
  durationMs: number;
  rate?: number;
}

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);

async function withAutocannon(load: Load): Promise<Result | undefined> {
  let autocannon: (opts: object) => Promise<{
    requests: { average: number };
    latency: { p50: number; p99: number };
    non2xx: number;
    errors: number;
  }>;
  try {
    autocannon = require('autocannon');
  } catch {
    return undefined;
  }
  const r = await autocannon({
    url: load.url,
    method: 'POST',
    connections: load.connections,
    duration: load.durationMs / 1000,
    ...(load.rate ? { overallRate: load.rate } : {}),
    // Its own thread, so the app keeps the main event loop (as the fallback does).
    workers: 1,
  });
  return { rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, non2xx: r.non2xx, errors: r.errors };
}

function withBuiltin(load: Load): Promise<Result> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(join(__dirname, 'load-worker.js'), { workerData: load });
    worker.once('message', resolve);
    worker.once('error', reject);
  });
}

let tool = 'autocannon';
async function run(load: Load): Promise<Result> {
  const r = await withAutocannon(load);
  if (r) return r;
  tool = 'built-in load generator (autocannon is not installed)';
  return withBuiltin(load);
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
const fmt = (n: number) => n.toFixed(n < 100 ? 2 : 0);

async function main(): Promise<void> {
  const namespace = uniqueNamespace('bench');
  const mongo = await startEmbeddedMongo();
  const logger = createLogger('photo-bench', 'warn');
  const config = { ...photoAppEnv.parse({ RABBITMQ_URL }), HOOKLINE_NAMESPACE: namespace };
  const broker = createBroker(config, `photo-bench-${namespace}`, logger);
  await broker.start();
  const db = await connectMongo(`${mongo.uri}/photo_bench`);
  const server = await listen(createApp({ config, broker, db, logger }), 0, '127.0.0.1');
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/like/123`;
  try {
    await run({ url, connections: CONNECTIONS, durationMs: 2000 }); // warm-up: JIT, connections
    const full: Result[] = [];
    const fixed: Result[] = [];
    for (let i = 1; i <= RUNS; i++) {
      const a = await run({ url, connections: CONNECTIONS, durationMs: SECONDS * 1000 });
      const b = await run({ url, connections: CONNECTIONS, durationMs: SECONDS * 1000, rate: 1000 });
      full.push(a);
      fixed.push(b);
      console.log(
        `run ${i}: full speed ${fmt(a.rps)} req/s (non-2xx ${a.non2xx}, errors ${a.errors}); ` +
          `1,000 req/s: p50 ${fmt(b.p50)} ms, p99 ${fmt(b.p99)} ms (non-2xx ${b.non2xx}, errors ${b.errors})`,
      );
    }
    console.log(`\nPOST /like/:id with confirms, ${tool}, ${RUNS} runs of ${SECONDS} s, ${CONNECTIONS} connections`);
    console.log(`median full speed: ${fmt(median(full.map((r) => r.rps)))} req/s   (target >= 5,000)`);
    console.log(
      `median at 1,000 req/s: p50 ${fmt(median(fixed.map((r) => r.p50)))} ms, p99 ${fmt(median(fixed.map((r) => r.p99)))} ms   (target p99 < 20 ms)`,
    );
  } finally {
    await closeServer(server);
    await broker.close();
    await db.close();
    await mongo.stop();
    await deleteNamespace(namespace);
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
