/**
 * Benchmark of the embedded server through the real MongoDB driver (the one mongoose ships).
 * Not a test: run with `npm run bench -w @hookline/embedded-mongo`. Prints the median of RUNS runs.
 * Targets: 20k inserts < 2 s; 10k findOne on an indexed field among 100k docs < 1 s;
 * 100k docs of 1 KB: resident memory < 400 MB and restart from the dbpath < 5 s.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import mongoose from 'mongoose';
import { Engine } from '../src/storage/engine';

const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const BIN = path.join(__dirname, '..', 'bin', 'hookline-mongo.js');
const { MongoClient } = mongoose.mongo;

/** The server runs in its own process so its memory and restart time are measured alone. */
async function startServer(dbPath: string | undefined): Promise<{ uri: string; child: ChildProcess; startMs: number }> {
  const t0 = performance.now();
  const child = spawn(process.execPath, [BIN, '--port', '0', ...(dbPath ? ['--dbpath', dbPath] : [])], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const uri = await new Promise<string>((resolve, reject) => {
    readline.createInterface({ input: child.stdout as NodeJS.ReadableStream }).once('line', resolve);
    child.once('exit', (code) => reject(new Error(`server exited ${String(code)}`)));
  });
  return { uri, child, startMs: performance.now() - t0 };
}

function stopServer(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill(signal);
  });
}

function rssMb(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return kb / 1024;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? Number.NaN;
}

async function benchInserts(dbPath: string | undefined): Promise<number> {
  const server = await startServer(dbPath);
  const client = await new MongoClient(`${server.uri}/bench`).connect();
  const coll = client.db('bench').collection('inserts');
  await coll.createIndex({ email: 1 }, { unique: true });
  await coll.createIndex({ tenant: 1 });
  await coll.createIndex({ createdAt: -1 });
  const docs = Array.from({ length: 20_000 }, (_, i) => ({
    email: `user${i}@example.com`,
    tenant: `t${i % 50}`,
    createdAt: new Date(1_700_000_000_000 + i * 1000),
    payload: 'x'.repeat(100),
  }));
  const t0 = performance.now();
  // Batches of 1,000, as an app's insertMany would send them (the driver splits at 100k or 48 MB anyway).
  for (let i = 0; i < docs.length; i += 1000) await coll.insertMany(docs.slice(i, i + 1000));
  const ms = performance.now() - t0;
  if ((await coll.countDocuments()) !== 20_000) throw new Error('insert count mismatch');
  await client.close();
  await stopServer(server.child);
  return ms;
}

async function benchSingleInserts(dbPath: string | undefined): Promise<number> {
  const server = await startServer(dbPath);
  const client = await new MongoClient(`${server.uri}/bench`, { maxPoolSize: 50 }).connect();
  const coll = client.db('bench').collection('single');
  await coll.createIndex({ email: 1 }, { unique: true });
  await coll.createIndex({ tenant: 1 });
  await coll.createIndex({ createdAt: -1 });
  const t0 = performance.now();
  let next = 0;
  // 50 concurrent writers of insertOne: what a busy service does; with a dbpath group commit batches their fsyncs.
  await Promise.all(
    Array.from({ length: 50 }, async () => {
      while (next < 20_000) {
        const i = next++;
        await coll.insertOne({ email: `user${i}@example.com`, tenant: `t${i % 50}`, createdAt: new Date() });
      }
    }),
  );
  const ms = performance.now() - t0;
  await client.close();
  await stopServer(server.child);
  return ms;
}

async function load100k(uri: string, collection: string, payloadBytes: number): Promise<void> {
  const client = await new MongoClient(`${uri}/bench`).connect();
  const coll = client.db('bench').collection(collection);
  await coll.createIndex({ key: 1 }, { unique: true });
  const pad = 'p'.repeat(payloadBytes);
  for (let i = 0; i < 100_000; i += 5000) {
    await coll.insertMany(Array.from({ length: 5000 }, (_, j) => ({ key: `k${i + j}`, n: i + j, pad })));
  }
  await client.close();
}

async function benchFindOne(): Promise<{ sequentialMs: number; concurrentMs: number; pingMs: number }> {
  const server = await startServer(undefined);
  await load100k(server.uri, 'lookups', 16);
  const client = await new MongoClient(`${server.uri}/bench`).connect();
  const coll = client.db('bench').collection('lookups');
  const lookup = async (i: number): Promise<void> => {
    const key = `k${(i * 7919) % 100_000}`;
    const doc = await coll.findOne({ key });
    if (!doc) throw new Error(`missing ${key}`);
  };
  let t0 = performance.now();
  for (let i = 0; i < 10_000; i++) await lookup(i);
  const sequentialMs = performance.now() - t0;
  // Services issue lookups from many requests at once; 8 in flight over the driver's pool.
  t0 = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      while (next < 10_000) await lookup(next++);
    }),
  );
  const concurrentMs = performance.now() - t0;
  t0 = performance.now();
  for (let i = 0; i < 10_000; i++) await client.db('admin').command({ ping: 1 });
  const pingMs = performance.now() - t0;
  await client.close();
  await stopServer(server.child);
  return { sequentialMs, concurrentMs, pingMs };
}

/** The same lookups without driver or TCP: what the server itself spends (index hash lookup + match). */
function benchEngineFindOne(): number {
  const coll = new Engine().ensureCollection('bench', 'lookups');
  coll.createIndex({ name: 'key_1', key: { key: 1 }, unique: true });
  for (let i = 0; i < 100_000; i++) coll.insert({ key: `k${i}`, n: i, pad: 'p'.repeat(16) });
  const t0 = performance.now();
  for (let i = 0; i < 10_000; i++) {
    if (coll.find({ key: `k${(i * 7919) % 100_000}` }, 1).length !== 1) throw new Error('lookup failed');
  }
  return performance.now() - t0;
}

async function benchMemoryAndRestart(): Promise<{ rss: number; restartMs: number; logMb: number }> {
  const dbPath = fs.mkdtempSync(path.join(os.tmpdir(), 'hookline-bench-'));
  try {
    const server = await startServer(dbPath);
    await load100k(server.uri, 'big', 1000);
    const rss = rssMb(server.child.pid as number);
    await stopServer(server.child, 'SIGKILL');
    const logMb = fs.statSync(path.join(dbPath, 'hookline-oplog.bson')).size / 1048576;
    const restarted = await startServer(dbPath);
    const client = await new MongoClient(`${restarted.uri}/bench`).connect();
    const n = await client.db('bench').collection('big').estimatedDocumentCount();
    await client.close();
    if (n !== 100_000) throw new Error(`restart lost documents: ${n}`);
    await stopServer(restarted.child);
    return { rss, restartMs: restarted.startMs, logMb };
  } finally {
    fs.rmSync(dbPath, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const results: Record<string, number[]> = {};
  const add = (k: string, v: number): void => {
    const list = results[k] ?? [];
    list.push(v);
    results[k] = list;
  };
  for (let run = 0; run < RUNS; run++) {
    add('20k inserts, insertMany x1000, in memory (ms)', await benchInserts(undefined));
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hookline-bench-'));
    add('20k inserts, insertMany x1000, dbpath+fsync (ms)', await benchInserts(dir));
    fs.rmSync(dir, { recursive: true, force: true });
    const dir2 = fs.mkdtempSync(path.join(os.tmpdir(), 'hookline-bench-'));
    add('20k insertOne, 50 concurrent, dbpath+fsync (ms)', await benchSingleInserts(dir2));
    fs.rmSync(dir2, { recursive: true, force: true });
    const lookups = await benchFindOne();
    add('10k findOne by indexed key among 100k, sequential (ms)', lookups.sequentialMs);
    add('10k findOne by indexed key among 100k, 8 in flight (ms)', lookups.concurrentMs);
    add('10k findOne-equivalent in the engine, no driver/TCP (ms)', benchEngineFindOne());
    add('10k ping round trips, sequential: driver+TCP floor (ms)', lookups.pingMs);
    const mem = await benchMemoryAndRestart();
    add('100k x 1 KB docs: server RSS (MB)', mem.rss);
    add('100k x 1 KB docs: restart from dbpath to first line (ms)', mem.restartMs);
    add('100k x 1 KB docs: log size (MB)', mem.logMb);
    process.stderr.write(`run ${run + 1}/${RUNS} done\n`);
  }
  for (const [k, xs] of Object.entries(results)) {
    console.log(
      `${k.padEnd(60)} median ${median(xs).toFixed(0).padStart(6)}   runs ${xs.map((x) => x.toFixed(0)).join(', ')}`,
    );
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
