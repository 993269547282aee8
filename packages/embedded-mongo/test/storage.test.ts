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

/** A fresh log over a fresh engine, compacting past 1 KB instead of 16 MB; the directory removed after. */
async function withSmallLog(run: (log: OpLog, engine: Engine, file: string, dir: string) => Promise<void>) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hookline-oplog-'));
  try {
    const engine = new Engine();
    const log = OpLog.open(dir, engine, { compactSlackBytes: 1024 });
    await run(log, engine, path.join(dir, 'hookline-oplog.bson'), dir);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

test('a log whose records are mostly superseded is compacted, and restores the latest state', () =>
  withSmallLog(async (log, engine, file, dir) => {
    const coll = engine.ensureCollection('db', 'c');
    const payload = 'x'.repeat(100);
    for (let i = 0; i < 200; i++) {
      coll.insert({ _id: i, payload });
      // Flushed one by one, so every flush past the size threshold asks whether to compact.
      await log.durable(log.seq);
    }
    const grown = fs.statSync(file);
    expect(grown.size).toBeGreaterThan(200 * 100);

    // Writing every document twice more: two records of three are superseded.
    for (let round = 0; round < 2; round++) {
      for (const before of [...coll.docs.values()]) {
        coll.replace(before, { ...before, round });
        await log.durable(log.seq);
      }
    }
    const compacted = fs.statSync(file);
    // Rewritten (a compaction renames a new file over the log) once two thirds were superseded, so it
    // holds the live state plus what came after, well short of the three copies written.
    expect(compacted.ino).not.toBe(grown.ino);
    expect(compacted.size).toBeLessThan(2.5 * grown.size);
    await log.close();

    const restored = new Engine();
    const log2 = OpLog.open(dir, restored);
    const docs = [...(restored.collection('db', 'c')?.docs.values() ?? [])];
    expect(docs).toHaveLength(200);
    expect(docs.every((d) => d.round === 1 && d.payload === payload)).toBe(true);
    await log2.close();
  }));

test('a log of inserts only is never rewritten, however large', () =>
  withSmallLog(async (log, engine, file) => {
    const coll = engine.ensureCollection('db', 'c');
    await log.durable(log.seq);
    const created = fs.statSync(file).ino;
    for (let i = 0; i < 300; i++) {
      coll.insert({ _id: i, payload: 'y'.repeat(100) });
      await log.durable(log.seq);
    }
    // Past the threshold many times over (300 x ~130 bytes against 2 x 0 + 1 KB), yet the same file.
    expect(fs.statSync(file).ino).toBe(created);
    await log.close();
  }));

describe('filters', () => {
  const { compileFilter } = require('../src/storage/matcher') as typeof import('../src/storage/matcher');
  const { Query } = require('mingo') as typeof import('mingo');
  const { Long } = require('bson') as typeof import('bson');

  test('number ranges beside equalities (the "only if older" update) match exactly what mingo matches', () => {
    const docs = [
      { _id: 'a', seq: 1 },
      { _id: 'a', seq: 5 },
      { _id: 'a', seq: [1, 9] },
      { _id: 'a', seq: [] },
      { _id: 'a', seq: 'x' },
      { _id: 'a', seq: null },
      { _id: 'a' },
      { _id: 'a', seq: Number.NaN },
      { _id: 'a', seq: new Date(3) },
      { _id: 'a', seq: Long.fromNumber(3) },
      { _id: 'b', seq: 1 },
      { _id: 'a', n: { seq: 2 } },
    ];
    const filters = [
      { _id: 'a', seq: { $lt: 5 } },
      { _id: 'a', seq: { $lte: 5 } },
      { seq: { $gt: 1 } },
      { seq: { $gte: 1 }, _id: { $in: ['a', 'b'] } },
      { 'n.seq': { $lt: 3 } },
      { seq: { $lt: 0.5 } },
    ];
    for (const filter of filters) {
      const fast = compileFilter(filter);
      const oracle = new Query(filter, {});
      for (const doc of docs) expect([filter, doc, fast?.(doc)]).toEqual([filter, doc, oracle.test(doc)]);
    }
  });
});

describe('updates', () => {
  // The common operators take a copy-on-write path that skips mingo; these pin that it behaves as mingo did.
  const { applyUpdate } = require('../src/storage/update') as typeof import('../src/storage/update');
  const base = { _id: 1, status: 'pending', attempts: 0, meta: { a: 1, deep: { x: 1 } }, tags: ['t'] };

  test('$set / $inc / $unset on nested paths copy only the changed path and leave the original intact', () => {
    const before = structuredClone(base);
    const { doc, changed } = applyUpdate(
      base,
      {
        $set: { status: 'delivered', 'meta.deep.y': 2, 'new.field': true },
        $inc: { attempts: 1, n: 5 },
        $unset: { tags: '' },
      },
      { inserting: false },
    );
    expect(changed).toBe(true);
    expect(doc).toEqual({
      _id: 1,
      status: 'delivered',
      attempts: 1,
      meta: { a: 1, deep: { x: 1, y: 2 } },
      new: { field: true },
      n: 5,
    });
    expect(base).toEqual(before);
  });

  test('an update that changes nothing reports unchanged (nModified 0)', () => {
    expect(
      applyUpdate(base, { $set: { status: 'pending', 'meta.a': 1 }, $inc: { attempts: 0 } }, { inserting: false })
        .changed,
    ).toBe(false);
    expect(applyUpdate(base, { $unset: { missing: '' } }, { inserting: false }).changed).toBe(false);
    expect(applyUpdate(base, { $setOnInsert: { status: 'x' } }, { inserting: false }).changed).toBe(false);
    expect(applyUpdate(base, { $setOnInsert: { status: 'x' } }, { inserting: true }).doc.status).toBe('x');
  });

  test('what the fast path does not handle still gets mongod semantics through mingo', () => {
    expect(applyUpdate(base, { $set: { 'tags.0': 'u' } }, { inserting: false }).doc.tags).toEqual(['u']);
    expect(applyUpdate(base, { $push: { tags: 'v' } }, { inserting: false }).doc.tags).toEqual(['t', 'v']);
    expect(applyUpdate(base, { $set: { 'meta.deep': 'flat' } }, { inserting: false }).doc.meta).toEqual({
      a: 1,
      deep: 'flat',
    });
  });

  test('$push (one value, or $each with $slice) takes the fast path and ends as mingo ends it', () => {
    const { update: mingoUpdate } = require('mingo') as typeof import('mingo');
    const log = { _id: 1, attemptLog: [{ n: 1 }, { n: 2 }], meta: {} };
    const cases: Record<string, unknown>[] = [
      { attemptLog: { $each: [{ n: 3 }], $slice: -2 } },
      { attemptLog: { $each: [{ n: 3 }, { n: 4 }], $slice: 3 } },
      { attemptLog: { $each: [], $slice: -1 } },
      { attemptLog: { $each: [{ n: 3 }] } },
      { attemptLog: { n: 3 } },
      { 'meta.list': { $each: [1, 2], $slice: -5 } },
      { fresh: 'x' },
    ];
    for (const push of cases) {
      const before = structuredClone(log);
      const oracle = structuredClone(log);
      mingoUpdate(oracle, { $push: push } as never);
      const { doc, changed } = applyUpdate(log, { $push: push, $inc: { attempts: 1 } }, { inserting: false });
      expect([push, { ...doc, attempts: undefined }]).toEqual([push, { ...oracle, attempts: undefined }]);
      expect(changed).toBe(true);
      expect(log).toEqual(before);
    }
    // Unchanged when nothing is appended and nothing cut off; onto what is not an array: as mingo does.
    expect(applyUpdate(log, { $push: { attemptLog: { $each: [] } } }, { inserting: false }).changed).toBe(false);
    const scalar = { _id: 1, s: 'x' };
    const scalarOracle = structuredClone(scalar);
    mingoUpdate(scalarOracle, { $push: { s: 1 } } as never);
    expect(applyUpdate(scalar, { $push: { s: 1 } }, { inserting: false }).doc).toEqual(scalarOracle);
    // $position and $sort are mingo's.
    expect(
      applyUpdate(log, { $push: { attemptLog: { $each: [{ n: 0 }], $position: 0 } } }, { inserting: false }).doc
        .attemptLog,
    ).toEqual([{ n: 0 }, { n: 1 }, { n: 2 }]);
  });

  test('no-op detection is exact: values that hash alike but differ are written', () => {
    // As hash keys, ['red,sale'] and ['red', 'ale'] render alike; the update must still happen.
    const doc = { _id: 1, tags: ['red,sale'], sub: { a: 'x,"b":sy' } };
    expect(applyUpdate(doc, { $set: { tags: ['red', 'ale'] } }, { inserting: false })).toEqual({
      doc: { _id: 1, tags: ['red', 'ale'], sub: doc.sub },
      changed: true,
    });
    expect(applyUpdate(doc, { $set: { sub: { a: 'x', b: 'y' } } }, { inserting: false }).changed).toBe(true);
    expect(applyUpdate(doc, { $set: { tags: ['red,sale'] } }, { inserting: false }).changed).toBe(false);
    expect(applyUpdate(doc, { $set: { when: new Date(5) } }, { inserting: false }).changed).toBe(true);
    // Prototype names are not fields: nothing to unset, and a nested __proto__ goes through mingo.
    expect(applyUpdate(doc, { $unset: { constructor: '' } }, { inserting: false }).changed).toBe(false);
  });

  test('update pipelines: a conditional upsert applies its fields only over an older sequence', () => {
    const { upsertDocument } = require('../src/storage/update') as typeof import('../src/storage/update');
    const write = (seq: number, status: string) => [
      {
        $replaceWith: {
          $mergeObjects: [
            { _id: '$_id' },
            { $literal: { status, seq, note: '$status' } },
            '$$ROOT',
            { $cond: [{ $lt: [{ $ifNull: ['$seq', -1] }, seq] }, { $literal: { status, seq } }, {}] },
            { n: { $add: [{ $ifNull: ['$n', 0] }, 1] } },
            { log: { $slice: [{ $concatArrays: [{ $ifNull: ['$log', []] }, [seq]] }, -2] } },
          ],
        },
      },
    ];
    const created = upsertDocument({ _id: 'd' }, write(5, 'retrying'));
    expect(created).toEqual({ _id: 'd', status: 'retrying', seq: 5, note: '$status', n: 1, log: [5] });
    const older = applyUpdate(created, write(3, 'queued'), { inserting: false });
    expect(older).toEqual({ doc: { ...created, n: 2, log: [5, 3] }, changed: true });
    const newer = applyUpdate(older.doc, write(9, 'delivered'), { inserting: false }).doc;
    expect(newer).toEqual({ _id: 'd', status: 'delivered', seq: 9, note: '$status', n: 3, log: [3, 9] });
    expect(Object.keys(newer)[0]).toBe('_id');
    // Nothing changes when the pipeline leaves the document as it was; _id stays immutable.
    expect(applyUpdate(newer, [{ $set: { seq: '$seq' } }], { inserting: false }).changed).toBe(false);
    expect(() => applyUpdate(newer, [{ $replaceWith: { _id: 'other' } }], { inserting: false })).toThrow(/immutable/);
  });

  test('indexes follow an updated key and are untouched when the key stays', () => {
    const coll = seeded(100).collection('db', 'c');
    if (!coll) throw new Error('missing collection');
    const doc = coll.find({ k: 'key5' })[0] as Record<string, unknown>;
    coll.replace(doc, applyUpdate(doc, { $set: { k: 'moved', other: 1 } }, { inserting: false }).doc);
    expect(coll.find({ k: 'key5' })).toEqual([]);
    expect(coll.find({ k: 'moved' }).map((d) => d._id)).toEqual([5]);
    expect(coll.lastExamined).toBe(1);
    const again = coll.find({ k: 'moved' })[0] as Record<string, unknown>;
    coll.replace(again, applyUpdate(again, { $inc: { other: 1 } }, { inserting: false }).doc);
    expect(coll.find({ g: 5, t: 5 }).map((d) => d.other)).toEqual([2]);
  });
});
