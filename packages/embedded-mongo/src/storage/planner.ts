import type { Index, Range } from './index-store';
import { type Doc, isPlainObject, typeRank } from './values';

/**
 * Chooses an index for a filter. The index only narrows the candidates: mingo still tests each one,
 * so a plan must return a superset of the matches, never miss one. When in doubt, no plan (full scan).
 */
export interface Plan {
  index: Index;
  prefixes: unknown[][];
  range?: Range;
}

type FieldBound = { points: unknown[] } | { range: Range };

const MAX_PREFIXES = 500;

/** Values an equality can be looked up by. null also matches missing fields and regexes match patterns: skip them. */
function isPointValue(v: unknown): boolean {
  if (v === null || v === undefined || v instanceof RegExp || Array.isArray(v)) return false;
  if (isPlainObject(v)) return !Object.keys(v).some((k) => k.startsWith('$'));
  const rank = typeRank(v);
  return rank !== 1 && rank !== 13 && rank !== 12;
}

function boundFromCondition(cond: unknown): FieldBound | null {
  if (!isPlainObject(cond) || !Object.keys(cond).some((k) => k.startsWith('$'))) {
    return isPointValue(cond) ? { points: [cond] } : null;
  }
  if ('$eq' in cond && isPointValue(cond.$eq)) return { points: [cond.$eq] };
  if (Array.isArray(cond.$in) && cond.$in.length > 0 && cond.$in.every(isPointValue)) return { points: cond.$in };
  const range: Range = { loInclusive: false, hiInclusive: false };
  for (const [op, v] of Object.entries(cond)) {
    if (!isPointValue(v) || isPlainObject(v)) continue;
    if (op === '$gt' || op === '$gte') {
      range.lo = v;
      range.loInclusive = op === '$gte';
    } else if (op === '$lt' || op === '$lte') {
      range.hi = v;
      range.hiInclusive = op === '$lte';
    }
  }
  if (range.lo === undefined && range.hi === undefined) return null;
  // Both sides must sit in one type bracket, or nothing could match anyway; keep the lower one.
  if (range.lo !== undefined && range.hi !== undefined && typeRank(range.lo) !== typeRank(range.hi)) {
    range.hi = undefined;
  }
  return { range };
}

/** Conditions per field from the top level and nested $and clauses (both must hold, so either narrows). */
function conditionsByField(filter: Doc, out = new Map<string, unknown[]>()): Map<string, unknown[]> {
  for (const [k, v] of Object.entries(filter)) {
    if (k === '$and' && Array.isArray(v)) {
      for (const clause of v) if (isPlainObject(clause)) conditionsByField(clause, out);
    } else if (!k.startsWith('$')) {
      const list = out.get(k) ?? [];
      list.push(v);
      out.set(k, list);
    }
  }
  return out;
}

function boundForField(conds: unknown[] | undefined, multikey: boolean): FieldBound | null {
  if (!conds) return null;
  let best: FieldBound | null = null;
  for (const c of conds) {
    const b = boundFromCondition(c);
    if (!b) continue;
    if ('points' in b) return b;
    if (!best) best = b;
  }
  if (best && 'range' in best && multikey && best.range.lo !== undefined) {
    // On an array field, $gt and $lt may be satisfied by different elements: one side only.
    best = { range: { ...best.range, hi: undefined } };
  }
  return best;
}

export function planQuery(filter: Doc, indexes: Iterable<Index>): Plan | null {
  const conds = conditionsByField(filter);
  if (conds.size === 0) return null;
  let best: { plan: Plan; score: number } | null = null;
  for (const index of indexes) {
    if (!index.ordinary || index.spec.partialFilterExpression) continue;
    let prefixes: unknown[][] = [[]];
    let range: Range | undefined;
    let bound = 0;
    for (const field of index.fields) {
      const b = boundForField(conds.get(field), index.multikey);
      if (!b) break;
      bound++;
      if ('range' in b) {
        range = b.range;
        break;
      }
      if (prefixes.length * b.points.length > MAX_PREFIXES) {
        bound--;
        break;
      }
      prefixes = prefixes.flatMap((p) => b.points.map((v) => [...p, v]));
    }
    if (bound === 0) continue;
    const exact = !range && bound === index.fields.length;
    const score = bound * 2 + (exact ? 10 : 0) + (exact && index.unique ? 5 : 0) + (range ? 1 : 0);
    if (!best || score > best.score) best = { plan: { index, prefixes, range }, score };
  }
  return best?.plan ?? null;
}
