/** The embedded MongoDB after a log write error, and the directory lock of a dead holder. */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import mongoose from 'mongoose';
import { type LogWriter, OpLog } from '../src/persistence/oplog';
import { startEmbeddedMongo } from '../src/server';
import { Engine } from '../src/storage/engine';

const { MongoClient } = mongoose.mongo;

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hookline-durability-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

/** An embedded MongoDB on `dir` and a client of it; `close` stops both. */
async function open(server: { logWriter?: LogWriter } = {}, client: { retryWrites?: boolean } = {}) {
  const mongo = await startEmbeddedMongo({ dbPath: dir, ...server });
  const connected = await MongoClient.connect(`${mongo.uri}/d`, { serverSelectionTimeoutMS: 5000, ...client });
  return {
    client: connected,
    async close() {
      await connected.close();
      await mongo.stop();
    },
  };
}

test('after a partial log write it refuses writes, keeps serving reads, and a restart keeps every acknowledged write', async () => {
  let failing = false;
  // A full disk: half of the batch reaches the file (a torn frame), then ENOSPC.
  const logWriter: LogWriter = async (fd, buf, offset, length) => {
    if (!failing) return { bytesWritten: fs.writeSync(fd, buf, offset, length) };
    fs.writeSync(fd, buf, offset, Math.floor(length / 2));
    throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
  };
  const { client, close } = await open({ logWriter }, { retryWrites: false });
  const coll = client.db('d').collection<{ _id: number }>('c');
  const acked: number[] = [];
  try {
    for (let i = 0; i < 20; i++) {
      await coll.insertOne({ _id: i });
      acked.push(i);
    }
    failing = true;
    await expect(coll.insertOne({ _id: 100 })).rejects.toThrow(/not durable: ENOSPC/);
    failing = false; // the disk has room again: still no write until a restart
    await expect(coll.insertOne({ _id: 101 })).rejects.toThrow(/refuses writes since a log write failed/);
    await expect(coll.updateOne({ _id: 1 }, { $set: { x: 1 } })).rejects.toThrow(/refuses writes/);
    await expect(coll.createIndex({ x: 1 })).rejects.toThrow(/refuses writes/);
    expect(await coll.countDocuments({ _id: { $lt: 20 } })).toBe(20);
  } finally {
    await close();
  }

  const again = await open();
  const client2 = again.client;
  try {
    const ids = (await client2.db('d').collection('c').find().toArray()).map((d) => d._id);
    expect(ids.filter((id) => acked.includes(id as unknown as number)).sort((a, b) => Number(a) - Number(b))).toEqual(
      acked,
    );
    expect(ids).not.toContain(101);
    await client2
      .db('d')
      .collection('c')
      .insertOne({ _id: 200 } as never); // writable again
  } finally {
    await again.close();
  }
});

function zombie(): Promise<number> {
  // A child that exits after its parent sh became `sleep` (exec), which never reaps it: a zombie until then.
  return new Promise((resolve, reject) => {
    const sh = spawn('sh', ['-c', 'sleep 0.3 & echo $!; exec sleep 30'], { stdio: ['ignore', 'pipe', 'ignore'] });
    zombies.push(sh);
    sh.stdout.once('data', (d: Buffer) => resolve(Number(d.toString().trim())));
    sh.once('error', reject);
  });
}
const zombies: ReturnType<typeof spawn>[] = [];
afterAll(() => {
  for (const z of zombies) z.kill('SIGKILL');
});

const state = (pid: number) => {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  return stat[stat.lastIndexOf(')') + 2];
};

test('a lock held by a zombie (dead, not yet reaped) is taken over; one held by a live process is not', async () => {
  if (!fs.existsSync('/proc/self/stat')) return; // only where /proc tells process states
  const pid = await zombie();
  for (let i = 0; i < 250 && state(pid) !== 'Z'; i++) await new Promise((r) => setTimeout(r, 20));
  expect(state(pid)).toBe('Z');
  fs.writeFileSync(path.join(dir, 'hookline-mongo.lock'), String(pid));
  const log = OpLog.open(dir, new Engine());
  await log.close();

  const live = zombies[0]?.pid as number;
  fs.writeFileSync(path.join(dir, 'hookline-mongo.lock'), String(live));
  expect(() => OpLog.open(dir, new Engine())).toThrow(`dbpath ${dir} is in use by process ${live}`);
});

test('inserted documents of every kind come back exactly after a restart (their log records reuse the bytes the client sent)', async () => {
  const { Binary, Decimal128, Double, Int32, Long, ObjectId, Timestamp } = mongoose.mongo.BSON;
  const docs = [
    {
      _id: 'a',
      text: 'héllo ✓',
      n: 1,
      d: new Double(1.5),
      i: new Int32(7),
      big: Long.fromString('9007199254740993'),
      dec: Decimal128.fromString('1.10'),
      at: new Date(1_700_000_000_000),
      ts: new Timestamp({ t: 5, i: 1 }),
      oid: new ObjectId('64b7f0c2a1b2c3d4e5f60718'),
      bin: new Binary(Buffer.from([0, 1, 2, 255])),
      nested: { list: [1, 'two', { three: [3] }], empty: {}, none: null },
      yes: true,
    },
    { _id: new ObjectId('64b7f0c2a1b2c3d4e5f60719'), text: '' },
    { text: 'no _id: the server gives one, so the document is not stored as sent' },
    { text: '_id not first', _id: 'late' },
  ];
  const { client, close } = await open();
  type AnyDoc = { _id: string | number | InstanceType<typeof ObjectId>; [field: string]: unknown };
  const coll = client.db('d').collection<AnyDoc>('c');
  const other = client.db('d').collection<AnyDoc>('d ü');
  let before: unknown[];
  try {
    await coll.insertMany(docs.map((d) => ({ ...d })) as never[]);
    await other.bulkWrite([{ insertOne: { document: { _id: 1, x: 'y' } } }, { insertOne: { document: { _id: 2 } } }], {
      ordered: false,
    });
    await coll.updateOne({ _id: 'a' }, { $set: { updated: true } });
    before = await coll.find().sort({ text: 1 }).toArray();
    expect(before).toHaveLength(4);
  } finally {
    await close();
  }

  const again = await open();
  const client2 = again.client;
  try {
    const after = await client2.db('d').collection<AnyDoc>('c').find().sort({ text: 1 }).toArray();
    expect(after).toEqual(before);
    expect(after.find((d) => d._id === 'a')).toMatchObject({ updated: true, big: Long.fromString('9007199254740993') });
    expect(Object.keys(after.find((d) => d._id === 'late') ?? {})[0]).toBe('_id');
    expect(await client2.db('d').collection('d ü').find().sort({ _id: 1 }).toArray()).toEqual([
      { _id: 1, x: 'y' },
      { _id: 2 },
    ]);
  } finally {
    await again.close();
  }
});
