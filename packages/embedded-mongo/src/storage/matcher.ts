import { Query } from 'mingo';
import { type Doc, isPlainObject, keyString, pathValues, typeRank } from './values';

export type Matcher = (doc: Doc) => boolean;

/** Scalars whose equality is exactly keyString equality (null, arrays, regexes and sub-documents excluded). */
function isScalar(v: unknown): boolean {
  if (v === null || v === undefined || Array.isArray(v) || v instanceof RegExp || isPlainObject(v)) return false;
  const rank = typeRank(v);
  return rank === 3 || rank === 4 || rank === 8 || rank === 9 || rank === 10;
}

const RANGES: Record<string, (value: number, bound: number) => boolean> = {
  $lt: (v, b) => v < b,
  $lte: (v, b) => v <= b,
  $gt: (v, b) => v > b,
  $gte: (v, b) => v >= b,
};

type Check =
  | { path: string; keys: Set<string> }
  | { path: string; range: (value: number, bound: number) => boolean; bound: number };

/** Whether a value can take the JS-number comparison: other numeric types and NaN are mingo's to order. */
const isPlainNumber = (v: unknown): v is number => typeof v === 'number' && !Number.isNaN(v);

/**
 * A matcher for filters made only of scalar equalities, $in lists and number ranges ($lt, $lte, $gt,
 * $gte against a number), the common "find by key" and "only if older" shapes. Building a mingo Query
 * copies its whole operator table, which cost more than the lookup itself (about a third of a
 * findOne's server time), so those filters skip mingo; a document whose ranged field holds another
 * numeric type (Long, Decimal128, NaN) is left to mingo. Anything else returns null.
 */
function simpleMatcher(filter: Doc): Matcher | null {
  const checks: Check[] = [];
  for (const [path, cond] of Object.entries(filter)) {
    if (path.startsWith('$')) return null;
    if (isScalar(cond)) {
      checks.push({ path, keys: new Set([keyString(cond)]) });
      continue;
    }
    if (!isPlainObject(cond)) return null;
    const ops = Object.keys(cond);
    if (ops.length !== 1) return null;
    const range = RANGES[ops[0] as string];
    if (range) {
      const bound = cond[ops[0] as string];
      if (!isPlainNumber(bound)) return null;
      checks.push({ path, range, bound });
    } else if (ops[0] === '$eq' && isScalar(cond.$eq)) checks.push({ path, keys: new Set([keyString(cond.$eq)]) });
    else if (ops[0] === '$in' && Array.isArray(cond.$in) && cond.$in.every(isScalar)) {
      checks.push({ path, keys: new Set(cond.$in.map(keyString)) });
    } else return null;
  }
  let general: Query | undefined;
  // A scalar equals a field, or a number is in range of it, when the field holds it or an array holding
  // it: pathValues gives exactly those values.
  return (doc) => {
    for (const check of checks) {
      const values = pathValues(doc, check.path).values;
      if ('keys' in check) {
        if (!values.some((v) => check.keys.has(keyString(v)))) return false;
        continue;
      }
      if (values.some((v) => typeRank(v) === NUMBER_RANK && !isPlainNumber(v))) {
        general ??= new Query(filter, {});
        return general.test(doc);
      }
      if (!values.some((v) => isPlainNumber(v) && check.range(v, check.bound))) return false;
    }
    return true;
  };
}

const NUMBER_RANK = 3;

/** A predicate with mongod's query semantics for `filter`; mingo does the general case. */
export function compileFilter(filter: Doc): Matcher | null {
  if (Object.keys(filter).length === 0) return null;
  const simple = simpleMatcher(filter);
  if (simple) return simple;
  const query = new Query(filter, {});
  return (doc) => query.test(doc);
}
