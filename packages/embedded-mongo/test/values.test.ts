/** keyString identity, and the fast update path checked against mingo on generated updates. */

import { ObjectId } from 'bson';
import { update as mingoUpdate } from 'mingo';
import type { Modifier } from 'mingo/updater';
import { Engine } from '../src/storage/engine';
import { applySimpleUpdate } from '../src/storage/update';
import { type Doc, deepClone, keyString } from '../src/storage/values';

describe('keyString', () => {
  it('encodes values that differ differently, also inside arrays and documents', () => {
    const distinct: unknown[] = [
      ['red', 'ale'],
      ['red,sale'],
      ['red,s', 'ale'],
      { a: 'x,"b":sy' },
      { a: 'x', b: 'y' },
      [/a,b/, 'c'],
      [/a/, 'b,c'],
      ['1', 1],
      ['s1:a'],
      ['a', 's1:b'],
      [],
      [null],
      [''],
      ['', ''],
    ];
    const keys = distinct.map(keyString);
    expect(new Set(keys).size).toBe(distinct.length);
  });

  it('keeps equal values equal (numbers of any BSON width, dates, ObjectIds)', () => {
    const id = new ObjectId();
    expect(keyString([1, new Date(5), id])).toBe(keyString([1.0, new Date(5), new ObjectId(id.toHexString())]));
  });

  it("makes {k: ['red','ale']} and {k: ['red,sale']} two documents as _id", () => {
    const coll = new Engine().ensureCollection('db', 'c');
    coll.insert({ _id: { k: ['red', 'ale'] } as never, n: 1 });
    expect(() => coll.insert({ _id: { k: ['red,sale'] } as never, n: 2 })).not.toThrow();
    expect(coll.docs.size).toBe(2);
  });
});

/** mulberry32: a small seeded generator, so a failure names a case that reproduces. */
function rng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const PATHS = ['a', 'b', 'a.x', 'a.y', 'a.x.deep', 'c.d', 'n', 'status', 'attempts'];

function value(r: () => number, depth = 0): unknown {
  const k = Math.floor(r() * (depth > 1 ? 5 : 7));
  switch (k) {
    case 0:
      return Math.floor(r() * 5) - 1;
    case 1:
      return r() * 10;
    case 2:
      return ['x', 'y', ''][Math.floor(r() * 3)];
    case 3:
      return null;
    case 4:
      return r() < 0.5;
    case 5:
      return { x: value(r, depth + 1), y: value(r, depth + 1) };
    default:
      return { deep: value(r, depth + 1) };
  }
}

function documentOf(r: () => number): Doc {
  const doc: Doc = { _id: Math.floor(r() * 1000) };
  for (const field of ['a', 'b', 'c', 'n', 'status', 'attempts']) if (r() < 0.6) doc[field] = value(r);
  return doc;
}

function updateOf(r: () => number): Doc {
  const u: Doc = {};
  const ops = ['$set', '$unset', '$inc', '$setOnInsert'];
  const count = 1 + Math.floor(r() * 3);
  for (let i = 0; i < count; i++) {
    const op = ops[Math.floor(r() * ops.length)] as string;
    const path = PATHS[Math.floor(r() * PATHS.length)] as string;
    const arg = (u[op] as Doc | undefined) ?? {};
    arg[path] = op === '$inc' ? Math.floor(r() * 7) - 3 : op === '$unset' ? '' : value(r);
    u[op] = arg;
  }
  return u;
}

/** What mingo makes of the same update, $setOnInsert applied as applyUpdate does (mingo has none). */
function viaMingo(doc: Doc, u: Doc, inserting: boolean): { doc: Doc; changed: boolean } {
  const modifier: Doc = {};
  for (const [op, arg] of Object.entries(u)) {
    if (op === '$setOnInsert') {
      if (inserting) modifier.$set = { ...(modifier.$set as Doc | undefined), ...(arg as Doc) };
    } else if (op === '$set' && modifier.$set) modifier.$set = { ...(modifier.$set as Doc), ...(arg as Doc) };
    else modifier[op] = arg;
  }
  if (Object.keys(modifier).length === 0) return { doc, changed: false };
  const after = deepClone(doc);
  const fields = mingoUpdate(after, modifier as Modifier<Doc>, undefined, undefined, { cloneMode: 'deep' });
  return { doc: after, changed: fields.length > 0 };
}

test('applySimpleUpdate agrees with mingo on 5,000 generated documents and updates', () => {
  const r = rng(19);
  let compared = 0;
  for (let i = 0; i < 5000; i++) {
    const doc = documentOf(r);
    const u = updateOf(r);
    const inserting = r() < 0.3;
    const frozen = JSON.stringify(doc);
    const fast = applySimpleUpdate(doc, u, inserting);
    expect(JSON.stringify(doc)).toBe(frozen); // copy-on-write: the stored document is never changed
    if (!fast) continue; // left to mingo by design
    compared++;
    let slow: { doc: Doc; changed: boolean };
    try {
      slow = viaMingo(doc, u, inserting);
    } catch (err) {
      throw new Error(
        `case ${i}: mingo refused ${JSON.stringify(u)} on ${frozen} (${err}) but the fast path applied it`,
      );
    }
    const context = `case ${i}: ${JSON.stringify(u)} on ${frozen}`;
    expect({ context, doc: fast.doc }).toEqual({ context, doc: slow.doc });
    expect({ context, changed: fast.changed }).toEqual({ context, changed: slow.changed });
  }
  // The generator must exercise the fast path, not only the cases it hands to mingo.
  expect(compared).toBeGreaterThan(2000);
});
