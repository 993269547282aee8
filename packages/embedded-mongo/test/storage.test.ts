/** Storage internals the wire tests cannot see: index use, log replay after a torn write, compaction. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Query } from 'mingo';
import { OpLog } from '../src/persistence/oplog';
import { Engine } from '../src/storage/engine';
import { SortedList } from '../src/storage/sorted-list';

function seeded(n: number): Engine {
  const engine = new Engine();
  const coll = engine.ensureCollection('db', 'c');
  coll.createIndex({ name: 'k_1', key: { k: 1 } });
  coll.createIndex({ name: 'g_1_t_1', key: { g: 1, t: 1 } });
  coll.createIndex({ name: 'tags_1', key: { tags: 1 } });
  for (let i = 0; i < n; i++) coll.insert({ _id: i, k: `key${i}`, g: i % 10, t: i, tags: [`a${i % 7}`, `b${i % 5}`] });
  return engine;
}

test('equality and range lookups on indexed fields examine only candidates, not the collection', () => {
  const coll = seeded(5000).collection('db', 'c');
  if (!coll) throw new Error('missing collection');
  expect(coll.find({ k: 'key1234' }).map((d) => d._id)).toEqual([1234]);
  expect(coll.lastExamined).toBe(1);
  expect(coll.find({ g: 3, t: { $gte: 100, $lt: 150 } }).map((d) => d._id)).toEqual([103, 113, 123, 133, 143]);
  expect(coll.lastExamined).toBe(5);
  expect(coll.find({ k: { $in: ['key1', 'key2', 'nope'] } }).length).toBe(2);
  expect(coll.lastExamined).toBe(2);
  expect(coll.find({ tags: 'a3', g: 1 }).every((d) => (d.tags as string[]).includes('a3'))).toBe(true);
  // Unindexed fields fall back to a scan but still answer correctly.
  expect(coll.find({ nothere: { $exists: false } }).length).toBe(5000);
  expect(coll.lastExamined).toBe(5000);
});

test('index answers match a full scan for assorted filters', () => {
  const coll = seeded(600).collection('db', 'c');
  if (!coll) throw new Error('missing collection');
  const filters = [
    { g: { $in: [1, 2] }, t: { $gt: 300 } },
    { t: { $lte: 20 } },
    { tags: { $gt: 'a5' } },
    { tags: { $gt: 'a1', $lt: 'a3' } },
    { k: { $gte: 'key5' } },
    { $and: [{ g: 4 }, { t: { $lt: 100 } }] },
    { g: null },
  ];
  for (const filter of filters) {
    const viaIndex = coll
      .find(filter)
      .map((d) => d._id)
      .sort();
    const query = new Query(filter, {});
    const expected = [...coll.docs.values()]
      .filter((d) => query.test(d))
      .map((d) => d._id)
      .sort();
    expect(viaIndex).toEqual(expected);
  }
});

test('sorted list keeps order through inserts and removals', () => {
  const list = new SortedList<number>((a, b) => a - b);
  const values = Array.from({ length: 5000 }, (_, i) => (i * 7919) % 5003);
  for (const v of values) list.insert(v);
  for (const v of values.slice(0, 2000)) expect(list.remove(v)).toBe(true);
  const seen: number[] = [];
  list.scan(
    () => false,
    (v) => {
      seen.push(v);
      return true;
    },
  );
  expect(seen).toEqual([...values.slice(2000)].sort((a, b) => a - b));
});

test('the log replays after a torn tail and compacts to the live state', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hookline-oplog-'));
  try {
    const engine = new Engine();
    const log = OpLog.open(dir, engine);
    const coll = engine.ensureCollection('db', 'c');
    coll.createIndex({ name: 'v_1', key: { v: 1 }, unique: true });
    for (let i = 0; i < 100; i++) coll.insert({ _id: i, v: i });
    for (let i = 0; i < 50; i++) coll.remove({ _id: i });
    await log.durable(log.seq);
    await log.close();
    const file = path.join(dir, 'hookline-oplog.bson');
    fs.appendFileSync(file, Buffer.from([1, 2, 3, 4, 200, 0, 0, 0, 9])); // a half-written frame

    const restored = new Engine();
    const log2 = OpLog.open(dir, restored);
    const c2 = restored.collection('db', 'c');
    expect(c2?.docs.size).toBe(50);
    expect(() => c2?.insert({ _id: 999, v: 70 })).toThrow(/E11000/);
    (log2 as unknown as { compact(): void }).compact();
    await log2.close();
    const compactedSize = fs.statSync(file).size;
    const third = new Engine();
    const log3 = OpLog.open(dir, third);
    expect(third.collection('db', 'c')?.docs.size).toBe(50);
    expect(compactedSize).toBeLessThan(150 * 40);
    await log3.close();
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
