/**
 * One suite for everything Hookline's services ask of MongoDB, run through mongoose 8 and mongoose 9.
 * Against the embedded server by default; set MONGO_URL=mongodb://host:port to run it against a real MongoDB.
 */
import mongoose8 from 'mongoose';
import { startEmbeddedMongo } from '../src/index';

type Mongoose = typeof mongoose8;
// mongoose 9's typings declare `module 'mongoose'` globally, so they cannot be imported under the alias;
// its runtime API is the subset used here, typed with mongoose 8's declarations.
const mongoose9: Mongoose = require('mongoose9');
const external = process.env.MONGO_URL;
// A real mongod's TTL monitor runs once a minute; ours every second.
const TTL_WAIT_MS = external ? 75_000 : 10_000;

let uri = '';
let stop: () => Promise<void> = async () => {};

beforeAll(async () => {
  if (external) {
    uri = external.replace(/\/+$/, '');
  } else {
    const server = await startEmbeddedMongo({ port: 0 });
    uri = server.uri;
    stop = server.stop;
  }
});

afterAll(async () => {
  await stop();
});

let dbCounter = 0;
function uniqueDbName(): string {
  dbCounter++;
  return `conf_${process.pid}_${Date.now().toString(36)}_${dbCounter}`;
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

describe.each([
  ['mongoose 8', mongoose8],
  ['mongoose 9', mongoose9],
])('%s', (_label, m: Mongoose) => {
  let conn: mongoose8.Connection;

  beforeEach(async () => {
    conn = await m.createConnection(`${uri}/${uniqueDbName()}`).asPromise();
  });

  afterEach(async () => {
    await conn.dropDatabase();
    await conn.close();
  });

  const userSchema = () =>
    new m.Schema({
      email: { type: String, required: true, unique: true },
      name: String,
      age: Number,
      tags: [String],
      createdAt: { type: Date, default: () => new Date() },
    });

  test('create, read, update and delete documents', async () => {
    const User = conn.model('User', userSchema());
    await User.init();
    const created = await User.create({ email: 'ada@example.com', name: 'Ada', age: 36 });
    const found = await User.findById(created._id);
    expect(found?.name).toBe('Ada');
    await User.updateOne({ _id: created._id }, { $set: { name: 'Ada L.' }, $inc: { age: 1 }, $push: { tags: 'math' } });
    const updated = await User.findOne({ email: 'ada@example.com' }).lean();
    expect(updated).toMatchObject({ name: 'Ada L.', age: 37, tags: ['math'] });
    const replaced = await User.replaceOne({ _id: created._id }, { email: 'ada@example.com', name: 'R' });
    expect(replaced.modifiedCount).toBe(1);
    const del = await User.deleteOne({ _id: created._id });
    expect(del.deletedCount).toBe(1);
    expect(await User.findById(created._id)).toBeNull();
  });

  test('schema indexes are created and listed', async () => {
    const schema = new m.Schema({ a: Number, b: String, c: Date });
    schema.index({ a: 1, b: -1 });
    schema.index({ c: 1 }, { expireAfterSeconds: 3600 });
    const Model = conn.model('Indexed', schema);
    await Model.init();
    const indexes = await Model.listIndexes();
    const byName = Object.fromEntries(indexes.map((i) => [i.name, i]));
    expect(byName._id_).toBeDefined();
    expect(byName['a_1_b_-1']?.key).toEqual({ a: 1, b: -1 });
    expect(byName.c_1?.expireAfterSeconds).toBe(3600);
    await Model.collection.dropIndex('a_1_b_-1');
    expect((await Model.listIndexes()).map((i) => i.name).sort()).toEqual(['_id_', 'c_1']);
  });

  test('unique violations are error.code 11000 with keyValue (single, compound, sparse, partial, arrays)', async () => {
    const User = conn.model('User', userSchema());
    await User.init();
    await User.create({ email: 'x@example.com' });
    const err = await User.create({ email: 'x@example.com' }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 11000, keyValue: { email: 'x@example.com' } });
    expect(String((err as Error).message)).toContain('E11000 duplicate key error collection:');
    expect(String((err as Error).message)).toContain('index: email_1 dup key: { email: "x@example.com" }');

    const pairSchema = new m.Schema({ tenant: String, slug: String, code: String, tags: [String], state: String });
    pairSchema.index({ tenant: 1, slug: 1 }, { unique: true });
    pairSchema.index({ code: 1 }, { unique: true, sparse: true });
    pairSchema.index({ tags: 1 }, { unique: true, partialFilterExpression: { state: 'live' } });
    const Pair = conn.model('Pair', pairSchema);
    await Pair.init();
    await Pair.create({ tenant: 't1', slug: 's' });
    await Pair.create({ tenant: 't2', slug: 's' });
    const compound = await Pair.create({ tenant: 't1', slug: 's' }).catch((e: unknown) => e);
    expect(compound).toMatchObject({ code: 11000, keyValue: { tenant: 't1', slug: 's' } });
    // Sparse: documents without `code` never collide.
    await Pair.create({ tenant: 't3', slug: 'a', code: 'c1' });
    await expect(Pair.create({ tenant: 't3', slug: 'b', code: 'c1' })).rejects.toMatchObject({ code: 11000 });
    // Partial + array: elements of live documents must be unique, drafts are exempt.
    await Pair.create({ tenant: 't4', slug: 'a', tags: ['red', 'blue'], state: 'live' });
    await Pair.create({ tenant: 't4', slug: 'b', tags: ['red'], state: 'draft' });
    const arrayDup = await Pair.create({ tenant: 't4', slug: 'c', tags: ['green', 'blue'], state: 'live' }).catch(
      (e: unknown) => e,
    );
    expect(arrayDup).toMatchObject({ code: 11000, keyValue: { tags: 'blue' } });
    // An update that would collide fails too and leaves the document unchanged.
    const u = await Pair.updateOne({ tenant: 't2' }, { $set: { tenant: 't1' } }).catch((e: unknown) => e);
    expect(u).toMatchObject({ code: 11000 });
    expect(await Pair.countDocuments({ tenant: 't2' })).toBe(1);
  });

  test('findOneAndUpdate with sort is an atomic claim: 20 claims of 10 jobs give 10 distinct winners', async () => {
    const Job = conn.model('Job', new m.Schema({ n: Number, status: String, owner: Number, runAt: Date }));
    await Job.init();
    const base = Date.now();
    await Job.insertMany(Array.from({ length: 10 }, (_, n) => ({ n, status: 'pending', runAt: new Date(base + n) })));
    const claims = await Promise.all(
      Array.from({ length: 20 }, (_, owner) =>
        Job.findOneAndUpdate(
          { status: 'pending', runAt: { $lte: new Date(base + 1000) } },
          { $set: { status: 'claimed', owner } },
          { sort: { runAt: 1 }, returnDocument: 'after' },
        ).lean(),
      ),
    );
    const winners = claims.filter((c) => c !== null);
    expect(winners).toHaveLength(10);
    expect(new Set(winners.map((w) => w?.n)).size).toBe(10);
    expect(new Set(winners.map((w) => w?.owner)).size).toBe(10);
    expect(await Job.countDocuments({ status: 'pending' })).toBe(0);
    // Sorted claims come out oldest first for the first claimant.
    const first = await Job.findOneAndUpdate(
      { status: 'claimed' },
      { $set: { status: 'done' } },
      { sort: { runAt: 1 } },
    ).lean();
    expect(first?.n).toBe(0);
    expect(first?.status).toBe('claimed');
  });

  test('aggregate with $match, $group, $sort, $limit', async () => {
    const Sale = conn.model('Sale', new m.Schema({ item: String, qty: Number, day: Number }));
    await Sale.insertMany([
      { item: 'a', qty: 1, day: 1 },
      { item: 'a', qty: 4, day: 2 },
      { item: 'b', qty: 2, day: 1 },
      { item: 'c', qty: 10, day: 3 },
      { item: 'b', qty: 5, day: 9 },
    ]);
    const rows = await Sale.aggregate<{ _id: string; total: number; n: number }>([
      { $match: { day: { $lt: 5 } } },
      { $group: { _id: '$item', total: { $sum: '$qty' }, n: { $sum: 1 } } },
      { $sort: { total: -1 } },
      { $limit: 2 },
    ]);
    expect(rows).toEqual([
      { _id: 'c', total: 10, n: 1 },
      { _id: 'a', total: 5, n: 2 },
    ]);
  });

  test('cursors over 1,000 documents with batchSize and getMore', async () => {
    const Item = conn.model('Item', new m.Schema({ i: Number }));
    await Item.insertMany(Array.from({ length: 1000 }, (_, i) => ({ i })));
    let seen = 0;
    for await (const doc of Item.find().sort({ i: 1 }).cursor()) {
      expect(doc.i).toBe(seen);
      seen++;
    }
    expect(seen).toBe(1000);
    let batched = 0;
    for await (const _doc of Item.find({ i: { $gte: 100 } })
      .batchSize(37)
      .lean()
      .cursor())
      batched++;
    expect(batched).toBe(900);
    // An abandoned cursor is killed on close without disturbing later queries.
    const cursor = Item.find().batchSize(10).cursor();
    await cursor.next();
    await cursor.close();
    expect(await Item.countDocuments()).toBe(1000);
  });

  test(
    'TTL indexes expire documents',
    async () => {
      const schema = new m.Schema({ label: String, expireAt: Date });
      schema.index({ expireAt: 1 }, { expireAfterSeconds: 0 });
      const Session = conn.model('Session', schema);
      await Session.init();
      await Session.create([
        { label: 'old', expireAt: new Date(Date.now() - 60_000) },
        { label: 'future', expireAt: new Date(Date.now() + 3_600_000) },
        { label: 'no-date' },
      ]);
      const deadline = Date.now() + TTL_WAIT_MS;
      while ((await Session.countDocuments({ label: 'old' })) > 0 && Date.now() < deadline) await sleep(250);
      expect((await Session.find().lean()).map((d) => d.label).sort()).toEqual(['future', 'no-date']);
    },
    TTL_WAIT_MS + 10_000,
  );

  test('upserts with $setOnInsert, and arrayFilters', async () => {
    const Counter = conn.model(
      'Counter',
      new m.Schema({ key: String, n: Number, firstSeen: Date, items: [{ k: String, v: Number }] }),
    );
    const first = await Counter.updateOne(
      { key: 'k' },
      { $inc: { n: 1 }, $setOnInsert: { firstSeen: new Date(1000) } },
      { upsert: true },
    );
    expect(first.upsertedCount).toBe(1);
    const second = await Counter.updateOne(
      { key: 'k' },
      { $inc: { n: 1 }, $setOnInsert: { firstSeen: new Date(2000) } },
      { upsert: true },
    );
    expect(second).toMatchObject({ matchedCount: 1, modifiedCount: 1, upsertedCount: 0 });
    const doc = await Counter.findOne({ key: 'k' }).lean();
    expect(doc).toMatchObject({ n: 2, firstSeen: new Date(1000) });
    const upserted = await Counter.findOneAndUpdate(
      { key: 'j' },
      { $set: { n: 7 } },
      { upsert: true, returnDocument: 'after' },
    ).lean();
    expect(upserted).toMatchObject({ key: 'j', n: 7 });
    await Counter.updateOne(
      { key: 'k' },
      {
        $set: {
          items: [
            { k: 'a', v: 1 },
            { k: 'b', v: 2 },
          ],
        },
      },
    );
    await Counter.updateOne({ key: 'k' }, { $set: { 'items.$[e].v': 20 } }, { arrayFilters: [{ 'e.k': 'b' }] });
    const withItems = await Counter.findOne({ key: 'k' }).lean();
    expect(withItems?.items.map((i) => i.v)).toEqual([1, 20]);
    // An upsert keyed by a string _id takes the _id from the filter (the dispatcher's failure clock).
    const Health = conn.model('Health', new m.Schema({ _id: String, since: Date }, { versionKey: false }));
    const made = await Health.findOneAndUpdate(
      { _id: 'sub_1' },
      { $setOnInsert: { since: new Date(5000) } },
      { upsert: true, returnDocument: 'after' },
    ).lean();
    expect(made).toEqual({ _id: 'sub_1', since: new Date(5000) });
    const kept = await Health.findOneAndUpdate(
      { _id: 'sub_1' },
      { $setOnInsert: { since: new Date(9000) } },
      { upsert: true, returnDocument: 'after' },
    ).lean();
    expect(kept?.since).toEqual(new Date(5000));
  });

  test('countDocuments, estimatedDocumentCount, distinct', async () => {
    const User = conn.model('User', userSchema());
    await User.insertMany([
      { email: 'a@x', tags: ['red', 'blue'], age: 20 },
      { email: 'b@x', tags: ['blue'], age: 30 },
      { email: 'c@x', age: 40 },
    ]);
    expect(await User.countDocuments()).toBe(3);
    expect(await User.countDocuments({ age: { $gte: 30 } })).toBe(2);
    expect(await User.estimatedDocumentCount()).toBe(3);
    expect((await User.distinct('tags')).sort()).toEqual(['blue', 'red']);
    expect((await User.distinct('email', { age: { $lt: 35 } })).sort()).toEqual(['a@x', 'b@x']);
  });

  test('$in, $gt, $lt with sort, skip, limit and lean', async () => {
    const schema = new m.Schema({ n: Number, kind: String });
    schema.index({ n: 1 });
    schema.index({ kind: 1 });
    const Row = conn.model('Row', schema);
    await Row.init();
    await Row.insertMany(Array.from({ length: 50 }, (_, n) => ({ n, kind: ['a', 'b', 'c'][n % 3] })));
    const page = await Row.find({ n: { $gt: 10, $lt: 40 }, kind: { $in: ['a', 'c'] } })
      .sort({ n: -1 })
      .skip(2)
      .limit(5)
      .lean();
    expect(page.map((r) => r.n)).toEqual([36, 35, 33, 32, 30]);
    expect(page[0]).not.toHaveProperty('save');
    const exact = await Row.find({ n: 7 }).lean();
    expect(exact.map((r) => r.kind)).toEqual(['b']);
    const projected = await Row.findOne({ n: 3 }).select({ kind: 1, _id: 0 }).lean();
    expect(projected).toEqual({ kind: 'a' });
  });

  test('updateMany and deleteMany', async () => {
    const Task = conn.model('Task', new m.Schema({ n: Number, done: Boolean }));
    await Task.insertMany(Array.from({ length: 20 }, (_, n) => ({ n, done: false })));
    const upd = await Task.updateMany({ n: { $lt: 8 } }, { $set: { done: true } });
    expect(upd).toMatchObject({ matchedCount: 8, modifiedCount: 8 });
    const del = await Task.deleteMany({ done: true });
    expect(del.deletedCount).toBe(8);
    expect(await Task.countDocuments()).toBe(12);
  });

  test('insertMany and bulkWrite with ordered:false keep going past a duplicate', async () => {
    const User = conn.model('User', userSchema());
    await User.init();
    await User.create({ email: 'dup@x' });
    const err = await User.insertMany([{ email: 'n1@x' }, { email: 'dup@x' }, { email: 'n2@x' }], {
      ordered: false,
    }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 11000 });
    expect(await User.countDocuments()).toBe(3);
    const bulk = await User.bulkWrite(
      [
        { insertOne: { document: { email: 'n3@x' } } },
        { insertOne: { document: { email: 'n1@x' } } },
        { updateOne: { filter: { email: 'n2@x' }, update: { $set: { name: 'two' } } } },
        { deleteOne: { filter: { email: 'n3@x' } } },
      ],
      { ordered: false },
    ).catch((e: unknown) => e);
    expect(bulk).toMatchObject({ code: 11000 });
    expect((await User.findOne({ email: 'n2@x' }).lean())?.name).toBe('two');
    expect(await User.countDocuments()).toBe(3);
  });
});
