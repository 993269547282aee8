import { ObjectId, serialize } from 'bson';
import { update as mingoUpdate, updateOne as mingoUpdateOne } from 'mingo';
import type { Modifier, PipelineStage } from 'mingo/updater';
import { commandError } from '../errors';
import { applySimplePipeline } from './pipeline-update';
import { type Doc, deepClone, isPlainObject, keyString } from './values';

export type UpdateSpec = Doc | Doc[];

export function isOperatorUpdate(u: UpdateSpec): boolean {
  return !Array.isArray(u) && Object.keys(u).some((k) => k.startsWith('$'));
}

/**
 * The document after applying `u` to `doc` (which is left untouched), and whether anything changed.
 * `inserting` turns $setOnInsert into $set: mingo has no $setOnInsert, and it only applies on upsert inserts.
 */
export function applyUpdate(
  doc: Doc,
  u: UpdateSpec,
  opts: { arrayFilters?: Doc[]; filter?: Doc; inserting: boolean },
): { doc: Doc; changed: boolean } {
  if (Array.isArray(u)) {
    const simple = applySimplePipeline(doc, u);
    if (simple) return { doc: simple, changed: !sameFields(simple, doc) };
    const docs = [deepClone(doc)];
    mingoUpdateOne(docs, {}, u as unknown as PipelineStage[]);
    const after = docs[0] as Doc;
    return { doc: after, changed: !sameValue(after, doc) };
  }
  if (!isOperatorUpdate(u)) {
    if ('_id' in u && keyString(u._id) !== keyString(doc._id) && doc._id !== undefined) {
      throw commandError(
        'ImmutableField',
        "After applying the update, the (immutable) field '_id' was found to have been altered",
      );
    }
    const after: Doc = doc._id === undefined ? { ...u } : { _id: doc._id, ...u };
    return { doc: after, changed: !sameValue(after, doc) };
  }
  const fast = applySimpleUpdate(doc, u, opts.inserting);
  if (fast) return fast;
  const modifier: Doc = {};
  for (const [op, arg] of Object.entries(u)) {
    if (op === '$setOnInsert') {
      if (opts.inserting) modifier.$set = { ...(modifier.$set as Doc | undefined), ...(arg as Doc) };
      continue;
    }
    if (op === '$set' && modifier.$set) modifier.$set = { ...(modifier.$set as Doc), ...(arg as Doc) };
    else modifier[op] = arg;
  }
  if (Object.keys(modifier).length === 0) return { doc, changed: false };
  const after = deepClone(doc);
  // The filter is passed for the positional `$` operator; an upsert seed need not match range conditions.
  const fields = mingoUpdate(
    after,
    modifier as Modifier<Doc>,
    opts.arrayFilters,
    opts.inserting ? undefined : opts.filter,
    { cloneMode: 'deep' },
  );
  return { doc: after, changed: fields.length > 0 };
}

const SIMPLE_OPS = new Set(['$set', '$unset', '$inc', '$setOnInsert', '$push']);
// Plain object keys only: no operators, array positions, or names that are prototype machinery.
const PLAIN_PART = /^(?!__proto__$|constructor$|prototype$)[^$\d][^.]*$/;

/**
 * `$push` of one value, or `{ $each, $slice }` (no `$position`, `$sort`): the values to append and how
 * many to keep. Undefined for anything else, which mingo then handles.
 */
function simplePush(arg: unknown): { each: unknown[]; slice: number | undefined } | undefined {
  if (!isPlainObject(arg) || !Object.keys(arg).some((k) => k.startsWith('$'))) return { each: [arg], slice: undefined };
  const { $each, $slice, ...rest } = arg as Doc;
  if (Object.keys(rest).length > 0 || !Array.isArray($each)) return undefined;
  if ($slice !== undefined && !Number.isInteger($slice)) return undefined;
  return { each: $each, slice: $slice as number | undefined };
}

/** `cur` with `push` applied: appended, then cut to the first (`$slice` >= 0) or last (< 0) items. */
function pushed(cur: unknown[], push: { each: unknown[]; slice: number | undefined }): unknown[] {
  const all = push.each.length > 0 ? [...cur, ...push.each] : cur;
  if (push.slice === undefined) return all;
  if (push.slice === 0) return [];
  return push.slice > 0 ? all.slice(0, push.slice) : all.slice(push.slice);
}

/**
 * The common updates ($set / $unset / $inc / $setOnInsert on plain dotted paths through objects, and
 * $push onto an array there, as the dispatcher's attempt log does) applied without mingo, copy-on-write: only the objects along the changed paths are copied, everything else is
 * shared with `doc` (stored documents are never mutated in place, so sharing is safe). Deep-cloning a
 * delivery record and building mingo's operator context on every status update cost the server most of a
 * core under the dispatcher's load. Returns undefined for anything else (positional or numeric paths,
 * arrays on the way, conflicting paths, non-numeric $inc): mingo then decides, errors included.
 */
export function applySimpleUpdate(doc: Doc, u: Doc, inserting: boolean): { doc: Doc; changed: boolean } | undefined {
  const edits: Array<{ op: string; parts: string[]; value: unknown }> = [];
  const seen: string[] = [];
  for (const op of Object.keys(u)) {
    if (!SIMPLE_OPS.has(op)) return undefined;
    const arg = u[op];
    if (!isPlainObject(arg)) return undefined;
    if (op === '$setOnInsert' && !inserting) continue;
    for (const path of Object.keys(arg)) {
      const parts = path.split('.');
      if (parts[0] === '_id' || !parts.every((p) => PLAIN_PART.test(p))) return undefined;
      // mongod refuses two updates of one path or of a path and its prefix; let mingo report it.
      if (seen.some((s) => s === path || s.startsWith(`${path}.`) || path.startsWith(`${s}.`))) return undefined;
      seen.push(path);
      const value = arg[path];
      if (op === '$inc' && typeof value !== 'number') return undefined;
      if (op === '$push') {
        const push = simplePush(value);
        if (!push) return undefined;
        edits.push({ op, parts, value: push });
        continue;
      }
      edits.push({ op: op === '$setOnInsert' ? '$set' : op, parts, value });
    }
  }
  let root: Doc = doc;
  let changed = false;
  for (const { op, parts, value } of edits) {
    // Find the current value, checking that every step is a plain object (or missing).
    let cur: unknown = root;
    for (const part of parts) {
      if (cur === undefined) break;
      if (!isPlainObject(cur)) return undefined;
      cur = Object.hasOwn(cur, part) ? (cur as Doc)[part] : undefined;
    }
    let next: unknown;
    if (op === '$inc') {
      if (cur !== undefined && typeof cur !== 'number') return undefined;
      if (cur !== undefined && value === 0) continue;
      next = (cur ?? 0) + (value as number);
    } else if (op === '$set') {
      if (cur !== undefined && sameValue(cur, value)) continue;
      next = value;
    } else if (op === '$push') {
      if (cur !== undefined && !Array.isArray(cur)) return undefined;
      const before = (cur ?? []) as unknown[];
      const after = pushed(before, value as { each: unknown[]; slice: number | undefined });
      if (cur !== undefined && after.length === before.length && after.every((v, i) => v === before[i])) continue;
      next = after;
    } else {
      if (cur === undefined) continue;
      next = undefined;
    }
    root = setPath(root, parts, 0, next, op === '$unset');
    changed = true;
  }
  return { doc: root, changed };
}

/**
 * Whether a $set would leave the field as it is (mongod then reports nModified 0). Exact: scalars by
 * value, anything else by its BSON bytes (`keyString` is a hash key and may collide for nested values).
 */
function sameValue(a: unknown, b: unknown): boolean {
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return a === b;
  if (a instanceof Date || b instanceof Date) {
    return a instanceof Date && b instanceof Date && a.getTime() === b.getTime();
  }
  return Buffer.compare(serialize({ v: a }), serialize({ v: b })) === 0;
}

/** Whether two documents hold the same fields in the same order; values shared by reference are not re-encoded. */
function sameFields(a: Doc, b: Doc): boolean {
  const keys = Object.keys(a);
  if (keys.length !== Object.keys(b).length) return false;
  return Object.keys(b).every((k, i) => k === keys[i] && (a[k] === b[k] || sameValue(a[k], b[k])));
}

/** A copy of `obj` with `parts[i..]` set to `value` (or removed), copying only the objects on the path. */
function setPath(obj: Doc, parts: string[], i: number, value: unknown, remove: boolean): Doc {
  const key = parts[i] as string;
  const out: Doc = { ...obj };
  if (i === parts.length - 1) {
    if (remove) delete out[key];
    else out[key] = value;
    return out;
  }
  const child = obj[key];
  if (child === undefined && remove) return obj;
  out[key] = setPath(child === undefined ? {} : (child as Doc), parts, i + 1, value, remove);
  return out;
}

/** Equality fields of a filter, which an upsert copies into the document it inserts. */
function seedFields(filter: Doc, out: Doc = {}): Doc {
  for (const [k, v] of Object.entries(filter)) {
    if (k === '$and' && Array.isArray(v)) {
      for (const clause of v) if (isPlainObject(clause)) seedFields(clause, out);
    } else if (!k.startsWith('$')) {
      if (isPlainObject(v) && Object.keys(v).some((op) => op.startsWith('$'))) {
        if ('$eq' in v) out[k] = v.$eq;
      } else {
        out[k] = v;
      }
    }
  }
  return out;
}

/** The document an upsert inserts: filter equalities, then the update applied as an insert. */
export function upsertDocument(filter: Doc, u: UpdateSpec, arrayFilters?: Doc[]): Doc {
  const seed: Doc = {};
  const { _id: seedId, ...fields } = seedFields(filter);
  // mingo refuses to $set `_id` (immutable on updates), but an upsert's insert takes it from the filter.
  if (seedId !== undefined) seed._id = seedId;
  if (Object.keys(fields).length > 0) mingoUpdate(seed, { $set: fields } as Modifier<Doc>);
  let doc: Doc;
  if (!Array.isArray(u) && !isOperatorUpdate(u)) {
    doc = { ...u };
    if (!('_id' in doc) && '_id' in seed) doc = { _id: seed._id, ...doc };
  } else {
    doc = applyUpdate(seed, u, { arrayFilters, inserting: true }).doc;
  }
  if (!('_id' in doc)) doc = { _id: new ObjectId(), ...doc };
  else if (Object.keys(doc)[0] !== '_id') {
    // mongod always stores _id first.
    const { _id, ...rest } = doc;
    doc = { _id, ...rest };
  }
  return doc;
}
