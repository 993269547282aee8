import { commandError } from '../errors';
import { compareValues, type Doc, isPlainObject } from './values';

/** Thrown for anything outside the subset below: the caller then lets mingo decide. */
class Unsupported extends Error {}

const PLAIN_FIELD = /^(?!__proto__$|constructor$|prototype$)[^$.][^.]*$/;

/** A field path (`$a.b`) or `$$ROOT` read from `root`; missing is undefined, as in mongod. */
function fieldPath(root: Doc, path: string): unknown {
  if (path === '$$ROOT' || path === '$$CURRENT') return root;
  if (path.startsWith('$$')) throw new Unsupported();
  let cur: unknown = root;
  for (const part of path.slice(1).split('.')) {
    if (!isPlainObject(cur)) return undefined;
    cur = Object.hasOwn(cur, part) ? cur[part] : undefined;
  }
  return cur;
}

const missing = (v: unknown) => v === undefined || v === null;

function operator(root: Doc, op: string, arg: unknown): unknown {
  if (op === '$literal') return arg;
  const args = Array.isArray(arg) ? arg : [arg];
  if (op === '$cond') {
    const [c, then, otherwise] = isPlainObject(arg) ? [arg.if, arg.then, arg.else] : args;
    const test = evaluate(root, c);
    return evaluate(root, test !== undefined && test !== null && test !== false && test !== 0 ? then : otherwise);
  }
  const values = args.map((a) => evaluate(root, a));
  switch (op) {
    case '$ifNull':
      return values.find((v) => !missing(v)) ?? null;
    case '$lt':
    case '$lte':
    case '$gt':
    case '$gte': {
      // Aggregation compares missing as null (both below every number).
      const c = compareValues(values[0] ?? null, values[1] ?? null);
      return op === '$lt' ? c < 0 : op === '$lte' ? c <= 0 : op === '$gt' ? c > 0 : c >= 0;
    }
    case '$add':
      if (values.some(missing)) return null;
      if (!values.every((v) => typeof v === 'number')) throw new Unsupported();
      return (values as number[]).reduce((a, b) => a + b, 0);
    case '$concatArrays':
      if (values.some(missing)) return null;
      if (!values.every(Array.isArray)) throw new Unsupported();
      return (values as unknown[][]).flat(1);
    case '$slice': {
      const [list, n] = values;
      if (missing(list)) return null;
      if (!Array.isArray(list) || values.length !== 2 || !Number.isInteger(n)) throw new Unsupported();
      return (n as number) >= 0 ? list.slice(0, n as number) : list.slice(n as number);
    }
    case '$mergeObjects': {
      const out: Doc = {};
      for (const v of values) {
        if (missing(v)) continue;
        if (!isPlainObject(v)) throw new Unsupported();
        Object.assign(out, v);
      }
      return out;
    }
    default:
      throw new Unsupported();
  }
}

function evaluate(root: Doc, expr: unknown): unknown {
  if (typeof expr === 'string') return expr.startsWith('$') ? fieldPath(root, expr) : expr;
  if (Array.isArray(expr)) return expr.map((e) => evaluate(root, e));
  if (!isPlainObject(expr)) return expr;
  const keys = Object.keys(expr);
  if (keys.length === 1 && (keys[0] as string).startsWith('$'))
    return operator(root, keys[0] as string, expr[keys[0] as string]);
  const out: Doc = {};
  for (const k of keys) {
    if (!PLAIN_FIELD.test(k)) throw new Unsupported();
    const v = evaluate(root, expr[k]);
    if (v !== undefined) out[k] = v;
  }
  return out;
}

/**
 * An update pipeline of `$set`/`$addFields`, `$unset` and `$replaceWith`/`$replaceRoot` over top-level
 * fields, with the expressions a conditional upsert needs ($literal, $cond, $ifNull, comparisons, $add,
 * $concatArrays, $slice, $mergeObjects, field paths, $$ROOT), applied without cloning: `doc` is left as
 * it is and unchanged values are shared. Undefined for anything else (mingo then decides).
 */
export function applySimplePipeline(doc: Doc, stages: Doc[]): Doc | undefined {
  try {
    let cur = doc;
    for (const stage of stages) {
      const keys = Object.keys(stage);
      if (keys.length !== 1) return undefined;
      const name = keys[0] as string;
      const arg = stage[name];
      if (name === '$set' || name === '$addFields') {
        if (!isPlainObject(arg)) return undefined;
        const next: Doc = { ...cur };
        for (const [k, e] of Object.entries(arg)) {
          if (!PLAIN_FIELD.test(k) || k === '_id') return undefined;
          const v = evaluate(cur, e);
          if (v === undefined) delete next[k];
          else next[k] = v;
        }
        cur = next;
      } else if (name === '$unset') {
        const fields = Array.isArray(arg) ? arg : [arg];
        if (!fields.every((f) => typeof f === 'string' && PLAIN_FIELD.test(f) && f !== '_id')) return undefined;
        const next: Doc = { ...cur };
        for (const f of fields as string[]) delete next[f];
        cur = next;
      } else if (name === '$replaceWith' || name === '$replaceRoot') {
        const v = evaluate(cur, name === '$replaceRoot' && isPlainObject(arg) ? arg.newRoot : arg);
        if (!isPlainObject(v)) return undefined;
        cur = v;
      } else {
        return undefined;
      }
    }
    if (cur._id === undefined && doc._id !== undefined) return undefined;
    if (doc._id !== undefined && compareValues(cur._id, doc._id) !== 0) {
      throw commandError(
        'ImmutableField',
        "After applying the update, the (immutable) field '_id' was found to have been altered",
      );
    }
    if (Object.keys(cur)[0] !== '_id' && cur._id !== undefined) {
      const { _id, ...rest } = cur;
      cur = { _id, ...rest };
    }
    return cur;
  } catch (err) {
    if (err instanceof Unsupported) return undefined;
    throw err;
  }
}
