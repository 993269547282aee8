import { ObjectId } from 'bson';
import { commandError } from '../errors';
import type { Journal } from '../persistence/records';
import { takeReceivedBson } from '../wire/received-bson';
import { Index, type IndexSpec } from './index-store';
import { compileFilter } from './matcher';
import { planQuery } from './planner';
import { type Doc, formatValue, isPlainObject, keyString } from './values';

export const ID_INDEX: IndexSpec = { v: 2, key: { _id: 1 }, name: '_id_' };

/** Ids an `_id` condition names directly; null when the filter does not pin `_id`. */
function idPoints(filter: Doc): unknown[] | null {
  if (!('_id' in filter)) return null;
  const c = filter._id;
  if (isPlainObject(c) && Object.keys(c).some((k) => k.startsWith('$'))) {
    if ('$eq' in c) return [c.$eq];
    if (Array.isArray(c.$in) && !c.$in.some((v) => v instanceof RegExp)) return c.$in;
    return null;
  }
  return c instanceof RegExp ? null : [c];
}

/**
 * Documents of one collection plus their indexes. Stored documents are never mutated in place:
 * updates swap in a new object, so cursors holding old references keep a consistent snapshot.
 */
export class Collection {
  readonly docs = new Map<string, Doc>();
  readonly indexes = new Map<string, Index>();
  /** Documents examined by the last query; tests use it to prove lookups go through an index. */
  lastExamined = 0;

  constructor(
    readonly db: string,
    readonly name: string,
    readonly options: Doc,
    private readonly journal: Journal,
  ) {}

  get ns(): string {
    return `${this.db}.${this.name}`;
  }

  indexSpecs(): IndexSpec[] {
    return [ID_INDEX, ...[...this.indexes.values()].map((i) => i.spec)];
  }

  private duplicateError(index: { name: string; key: Doc }, key: unknown[]): Error {
    const keyValue: Doc = {};
    Object.keys(index.key).forEach((f, i) => {
      keyValue[f] = key[i] ?? null;
    });
    const shown = Object.entries(keyValue)
      .map(([f, v]) => `${f}: ${formatValue(v)}`)
      .join(', ');
    return commandError(
      'DuplicateKey',
      `E11000 duplicate key error collection: ${this.ns} index: ${index.name} dup key: { ${shown} }`,
      { keyPattern: index.key, keyValue },
    );
  }

  private checkUnique(id: string, doc: Doc): void {
    for (const index of this.indexes.values()) {
      const conflict = index.findConflict(id, doc);
      if (conflict) throw this.duplicateError(index.spec, conflict);
    }
  }

  /** Inserts a new document (adding an ObjectId `_id` first when absent) and returns it as stored. */
  insert(input: Doc): Doc {
    // mongod stores _id as the first field whatever order the client sent.
    let doc = input;
    if (!('_id' in input)) doc = { _id: new ObjectId(), ...input };
    else if (Object.keys(input)[0] !== '_id') doc = { _id: input._id, ...input };
    // Taken whatever happens next, so the message it views is not kept; used only for `input` as it came.
    const received = takeReceivedBson(input);
    const bson = doc === input ? received : undefined;
    const id = keyString(doc._id);
    if (Array.isArray(doc._id)) throw commandError('BadValue', "can't use an array for _id");
    if (this.docs.has(id)) throw this.duplicateError(ID_INDEX, [doc._id]);
    this.checkUnique(id, doc);
    this.putRaw(doc);
    this.journal({ op: 'put', db: this.db, coll: this.name, doc, ...(bson ? { bson } : {}) });
    return doc;
  }

  /** Swaps `before` for `after` (same `_id`), enforcing unique indexes first so a failure changes nothing. */
  replace(before: Doc, after: Doc): void {
    const id = keyString(before._id);
    if (keyString(after._id) !== id) {
      throw commandError(
        'ImmutableField',
        "Performing an update on the path '_id' would modify the immutable field '_id'",
      );
    }
    this.checkUnique(id, after);
    for (const index of this.indexes.values()) index.update(id, before, after);
    this.docs.set(id, after);
    this.journal({ op: 'put', db: this.db, coll: this.name, doc: after });
  }

  remove(doc: Doc): void {
    if (this.removeRaw(doc._id)) this.journal({ op: 'del', db: this.db, coll: this.name, id: doc._id });
  }

  /** Replay path: store without checks or journaling (a log suffix may pass through duplicate states). */
  putRaw(doc: Doc): void {
    const id = keyString(doc._id);
    const before = this.docs.get(id);
    for (const index of this.indexes.values()) {
      if (before) index.remove(id, before);
      index.add(id, doc);
    }
    this.docs.set(id, doc);
  }

  removeRaw(idValue: unknown): boolean {
    const id = keyString(idValue);
    const before = this.docs.get(id);
    if (!before) return false;
    for (const index of this.indexes.values()) index.remove(id, before);
    this.docs.delete(id);
    return true;
  }

  /** Builds the index over existing documents; refuses (and builds nothing) if a unique key is already duplicated. */
  createIndex(spec: IndexSpec, enforce = true): void {
    const index = new Index(spec);
    for (const [id, doc] of this.docs) {
      if (enforce) {
        const conflict = index.findConflict(id, doc);
        if (conflict) throw this.duplicateError(spec, conflict);
      }
      index.add(id, doc);
    }
    this.indexes.set(spec.name, index);
    if (enforce) this.journal({ op: 'createIndex', db: this.db, coll: this.name, spec });
  }

  dropIndex(name: string, journal = true): void {
    this.indexes.delete(name);
    if (journal) this.journal({ op: 'dropIndex', db: this.db, coll: this.name, name });
  }

  /** Candidate documents for a filter: by `_id`, through the best index, or every document. */
  private *candidates(filter: Doc): Iterable<Doc> {
    const ids = idPoints(filter);
    if (ids) {
      const seen = new Set<string>();
      for (const v of ids) {
        const k = keyString(v);
        const doc = this.docs.get(k);
        if (doc && !seen.has(k)) {
          seen.add(k);
          yield doc;
        }
      }
      return;
    }
    const plan = planQuery(filter, this.indexes.values());
    if (!plan) {
      yield* this.docs.values();
      return;
    }
    // An id can come back several times from a multikey index or overlapping $in points.
    const seen = new Set<string>();
    const found: string[] = [];
    const collect = (id: string): void => {
      if (!seen.has(id)) {
        seen.add(id);
        found.push(id);
      }
    };
    for (const prefix of plan.prefixes) plan.index.scan(prefix, plan.range, collect);
    for (const id of found) {
      const doc = this.docs.get(id);
      if (doc) yield doc;
    }
  }

  /** Matching documents in index or natural order; stops early after `stopAfter` matches when given. */
  find(filter: Doc, stopAfter = Number.POSITIVE_INFINITY): Doc[] {
    const matches = compileFilter(filter);
    const out: Doc[] = [];
    let examined = 0;
    if (stopAfter <= 0) return out;
    for (const doc of this.candidates(filter)) {
      examined++;
      if (matches && !matches(doc)) continue;
      out.push(doc);
      if (out.length >= stopAfter) break;
    }
    this.lastExamined = examined;
    return out;
  }
}
