/** The CLI as users run it: URI on the first stdout line, and acknowledged writes surviving kill -9. */
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import mongoose from 'mongoose';

const BIN = path.join(__dirname, '..', 'bin', 'hookline-mongo.js');
const children: ChildProcess[] = [];

function startCli(args: string[]): Promise<{ child: ChildProcess; firstLine: string }> {
  const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  return new Promise((resolve, reject) => {
    const rl = readline.createInterface({ input: child.stdout as NodeJS.ReadableStream });
    let stderr = '';
    child.stderr?.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    rl.once('line', (firstLine) => resolve({ child, firstLine }));
    child.once('exit', (code) => reject(new Error(`cli exited with ${String(code)} before printing: ${stderr}`)));
  });
}

function killHard(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });
}

afterAll(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});

test('prints exactly mongodb://127.0.0.1:<port> as its first line', async () => {
  const { child, firstLine } = await startCli(['--port', '0']);
  expect(firstLine).toMatch(/^mongodb:\/\/127\.0\.0\.1:\d+$/);
  const client = new mongoose.mongo.MongoClient(`${firstLine}/cli_ping`);
  await client.connect();
  expect(await client.db('admin').command({ ping: 1 })).toMatchObject({ ok: 1 });
  await client.close();
  await killHard(child);
});

test('acknowledged writes survive kill -9 and a restart from the same dbpath', async () => {
  const dbPath = fs.mkdtempSync(path.join(os.tmpdir(), 'hookline-mongo-'));
  try {
    const first = await startCli(['--port', '0', '--dbpath', dbPath]);
    let client = new mongoose.mongo.MongoClient(`${first.firstLine}/durable`);
    await client.connect();
    const coll = client.db('durable').collection<{ _id: number; v: string; n?: number }>('things');
    await coll.createIndex({ v: 1 }, { unique: true });
    await coll.insertMany(Array.from({ length: 200 }, (_, i) => ({ _id: i, v: `v${i}` })));
    await Promise.all(Array.from({ length: 50 }, (_, i) => coll.insertOne({ _id: 1000 + i, v: `c${i}` })));
    await coll.updateOne({ _id: 3 }, { $set: { n: 42 } });
    await coll.deleteOne({ _id: 4 });
    await client.close();
    await killHard(first.child);

    const second = await startCli(['--port', '0', '--dbpath', dbPath]);
    client = new mongoose.mongo.MongoClient(`${second.firstLine}/durable`);
    await client.connect();
    const again = client.db('durable').collection<{ _id: number; v: string; n?: number }>('things');
    expect(await again.countDocuments()).toBe(249);
    expect(await again.findOne({ _id: 3 })).toEqual({ _id: 3, v: 'v3', n: 42 });
    expect(await again.findOne({ _id: 4 })).toBeNull();
    // The unique index came back too.
    await expect(again.insertOne({ _id: 5000, v: 'v1' })).rejects.toMatchObject({ code: 11000 });
    await client.close();
    await killHard(second.child);
  } finally {
    fs.rmSync(dbPath, { recursive: true, force: true });
  }
});
