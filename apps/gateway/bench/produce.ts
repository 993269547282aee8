/**
 * Benchmark (not a test): `POST /stations/:station/produce/single` with a JSON body and a valid
 * token, each request answered only after RabbitMQ confirmed the message. Real RabbitMQ, the
 * embedded MongoDB. Three runs; prints each and the medians.
 *
 *   cd apps/gateway && npm run bench
 *   BENCH_DURATION_S=10 BENCH_CONNECTIONS=50 npm run bench
 */
import { fork } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { topologyNames } from '@hookline/broker';
import { gatewayEnv } from '@hookline/config';
import { startEmbeddedMongo } from '@hookline/embedded-mongo';
import { assembleApp, closeServer, createLogger, listen } from '@hookline/http';
import { connectMongo, createBroker } from '@hookline/runtime';
import { deleteNamespace, RABBITMQ_URL, uniqueNamespace } from '@hookline/testing';
import { startGateway } from '../src';
import type { LoadOptions, LoadResult } from './load';

const DURATION_S = Number(process.env.BENCH_DURATION_S ?? 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);
const RUNS = 3;

function loadInChild(o: LoadOptions): Promise<LoadResult & { tool: string }> {
  return new Promise((resolve, reject) => {
    const child = fork(join(__dirname, 'load.ts'), { execArgv: ['--conditions=hookline-src', '--import', 'tsx'] });
    child.once('message', (r) => {
      child.kill();
      resolve(r as LoadResult & { tool: string });
    });
    child.once('error', reject);
    child.send(o);
  });
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;

async function main(): Promise<void> {
  const mongo = await startEmbeddedMongo();
  const namespace = uniqueNamespace('gwbench');
  const dataDir = mkdtempSync(join(tmpdir(), 'gwbench-'));
  const config = gatewayEnv.parse({
    RABBITMQ_URL,
    HOOKLINE_NAMESPACE: namespace,
    DATA_DIR: dataDir,
    GATEWAY_USERS: 'bench:bench-password',
    LOG_LEVEL: 'warn',
  });
  const logger = createLogger('gateway-bench', 'warn');
  const broker = createBroker(config, 'gateway-bench', logger);
  await broker.start();
  const db = await connectMongo(`${mongo.uri}/gwbench`);
  const service = await startGateway({ config, broker, db, logger });
  const server = await listen(assembleApp({ modules: [service.module], logger, title: 'bench' }), 0, '127.0.0.1');
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const auth = await fetch(`${base}/auth/authenticate`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'bench', password: 'bench-password' }),
  });
  const { jwt } = (await auth.json()) as { jwt: string };
  const options: LoadOptions = {
    url: `${base}/stations/bench/produce/single`,
    connections: CONNECTIONS,
    durationMs: DURATION_S * 1000,
    headers: { authorization: `Bearer ${jwt}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      id: 'evt_1',
      type: 'invoice.paid',
      data: { amount: 4200, currency: 'eur', customer: 'cus_123' },
    }),
  };
  const load = loadInChild;
  const { tool } = await load({ ...options, durationMs: 2000 }); // warm-up
  const rates: number[] = [];
  const p50s: number[] = [];
  const p99s: number[] = [];
  for (let i = 1; i <= RUNS; i++) {
    // No dispatcher drains the fanout queue here: empty it so every run starts alike.
    await broker.withChannel((ch) => ch.purgeQueue(topologyNames(namespace).fanoutQueue));
    const r = await load(options);
    const rate = Math.round(r.requests / (r.durationMs / 1000));
    rates.push(rate);
    p50s.push(r.latencyMs.p50);
    p99s.push(r.latencyMs.p99);
    process.stdout.write(
      `run ${i}: ${rate} req/s, p50 ${r.latencyMs.p50} ms, p99 ${r.latencyMs.p99} ms, non-2xx ${r.non2xx}, errors ${r.errors}\n`,
    );
  }
  process.stdout.write(
    `produce/single (JSON, confirms), ${CONNECTIONS} connections, ${DURATION_S} s x ${RUNS}, ${tool}\n` +
      `median: ${median(rates)} req/s, p50 ${median(p50s)} ms, p99 ${median(p99s)} ms\n`,
  );
  await closeServer(server);
  await service.stop();
  await broker.close();
  await db.close();
  await mongo.stop();
  await deleteNamespace(namespace);
  rmSync(dataDir, { recursive: true, force: true });
}

main().catch((err) => {
  process.stderr.write(`bench failed: ${(err as Error).stack}\n`);
  process.exit(1);
});
