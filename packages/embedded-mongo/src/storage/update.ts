import { ObjectId } from 'bson';
import { update as mingoUpdate, updateOne as mingoUpdateOne } from 'mingo';
import type { Modifier, PipelineStage } from 'mingo/updater';
import { commandError } from '../errors';
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
    const docs = [deepClone(doc)];
    mingoUpdateOne(docs, {}, u as unknown as PipelineStage[]);
    const after = docs[0] as Doc;
    return { doc: after, changed: keyString(after) !== keyString(doc) };
  }
  if (!isOperatorUpdate(u)) {
    if ('_id' in u && keyString(u._id) !== keyString(doc._id) && doc._id !== undefined) {
      throw commandError(
        'ImmutableField',
        "After applying the update, the (immutable) field '_id' was found to have been altered",
      );
    }
    const after: Doc = doc._id === undefined ? { ...u } : { _id: doc._id, ...u };
    return { doc: after, changed: keyString(after) !== keyString(doc) };
  }
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
