import { Query } from 'mingo';
import { type Doc, isPlainObject, keyString, pathValues, typeRank } from './values';

export type Matcher = (doc: Doc) => boolean;

/** Scalars whose equality is exactly keyString equality (null, arrays, regexes and sub-documents excluded). */
function isScalar(v: unknown): boolean {
  if (v === null || v === undefined || Array.isArray(v) || v instanceof RegExp || isPlainObject(v)) return false;
  const rank = typeRank(v);
  return rank === 3 || rank === 4 || rank === 8 || rank === 9 || rank === 10;
}

/**
 * A matcher for filters made only of scalar equalities and $in lists, the common "find by key" shape.
 * Building a mingo Query copies its whole operator table, which cost more than the lookup itself
 * (about a third of a findOne's server time), so those filters skip mingo. Anything else returns null.
 */
function simpleMatcher(filter: Doc): Matcher | null {
  const checks: { path: string; keys: Set<string> }[] = [];
  for (const [path, cond] of Object.entries(filter)) {
    if (path.startsWith('$')) return null;
    if (isScalar(cond)) {
      checks.push({ path, keys: new Set([keyString(cond)]) });
      continue;
    }
    if (!isPlainObject(cond)) return null;
    const ops = Object.keys(cond);
    if (ops.length !== 1) return null;
    if (ops[0] === '$eq' && isScalar(cond.$eq)) checks.push({ path, keys: new Set([keyString(cond.$eq)]) });
    else if (ops[0] === '$in' && Array.isArray(cond.$in) && cond.$in.every(isScalar)) {
      checks.push({ path, keys: new Set(cond.$in.map(keyString)) });
    } else return null;
  }
  // A scalar equals a field when the field holds it or an array holding it: pathValues gives exactly those values.
  return (doc) => checks.every(({ path, keys }) => pathValues(doc, path).values.some((v) => keys.has(keyString(v))));
}

/** A predicate with mongod's query semantics for `filter`; mingo does the general case. */
export function compileFilter(filter: Doc): Matcher | null {
  if (Object.keys(filter).length === 0) return null;
  const simple = simpleMatcher(filter);
  if (simple) return simple;
  const query = new Query(filter, {});
  return (doc) => query.test(doc);
}
