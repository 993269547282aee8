import { Query } from 'mingo';
import { type Doc, isPlainObject } from '../storage/values';

/** Sorts with mingo so mixed types and arrays order the way mongod orders them. */
export function sortDocs(docs: Doc[], sort: unknown): Doc[] {
  if (!isPlainObject(sort) || Object.keys(sort).length === 0) return docs;
  return new Query({}, {})
    .find<Doc>(docs, {})
    .sort(sort as Record<string, 1 | -1>)
    .all();
}

export function projectDocs(docs: Doc[], projection: unknown): Doc[] {
  if (!isPlainObject(projection) || Object.keys(projection).length === 0) return docs;
  return new Query({}, {}).find<Doc>(docs, projection).all();
}

export function projectOne(doc: Doc | null, projection: unknown): Doc | null {
  return doc ? (projectDocs([doc], projection)[0] ?? null) : null;
}
