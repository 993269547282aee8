/**
 * Payload filters in the syntax of Hookdeck Outpost's destination filters, matched against the event
 * envelope `{id, type, timestamp, tenant?, data}`:
 *
 *   {"data": {"amount": {"$gte": 100}, "currency": {"$in": ["EUR", "USD"]}}}
 *
 * - a key without `$` names a field; its value is matched against that field (nested objects nest);
 * - a plain value means equality (against an array field: the array contains it; a plain array
 *   means the field is an array containing every one of its elements);
 * - `$eq $neq $gt $gte $lt $lte $in $nin $startsWith $endsWith $exist` compare the current field;
 * - `$and` and `$or` take arrays of filters, `$not` one filter, all applied at the current level.
 * Every key of one object must hold (an implicit and).
 *
 * `validateFilter` runs when a subscription is saved; `matchesFilter` runs in the dispatcher's
 * match for every event and subscription, so it is synchronous, allocation-light and trusts a
 * validated filter (it never throws on one).
 */
export type Filter = { [key: string]: unknown };

export const FILTER_MAX_DEPTH = 10;
export const FILTER_MAX_OPERATORS = 100;

const COMPARISONS = ['$gt', '$gte', '$lt', '$lte'] as const;
const OPERATORS = new Set([
  '$eq',
  '$neq',
  ...COMPARISONS,
  '$in',
  '$nin',
  '$startsWith',
  '$endsWith',
  '$exist',
  '$and',
  '$or',
  '$not',
]);

export interface FilterIssue {
  /** Where in the filter, as dotted keys and indexes: `data.amount.$gte`, `$or.1.type`. */
  path: string;
  message: string;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isScalar(value: unknown): boolean {
  return value === null || ['string', 'number', 'boolean'].includes(typeof value);
}

/**
 * Every problem with a filter (empty when it is valid). Operand types are checked here so that
 * evaluation can never meet a surprise; the bounds keep one subscription's filter from costing
 * more than a few microseconds per event.
 */
export function validateFilter(filter: unknown): FilterIssue[] {
  const issues: FilterIssue[] = [];
  let operators = 0;
  const join = (path: string, key: string | number) => (path === '' ? String(key) : `${path}.${key}`);

  const walk = (node: unknown, path: string, depth: number): void => {
    if (depth > FILTER_MAX_DEPTH) {
      issues.push({ path, message: `nests deeper than ${FILTER_MAX_DEPTH} levels` });
      return;
    }
    if (!isPlainObject(node)) {
      issues.push({ path, message: 'must be an object' });
      return;
    }
    for (const [key, value] of Object.entries(node)) {
      const at = join(path, key);
      if (!key.startsWith('$')) {
        // A field: a nested filter, or a plain value (one equality).
        if (isPlainObject(value)) walk(value, at, depth + 1);
        else if (Array.isArray(value) ? value.every(isScalar) : isScalar(value)) operators += 1;
        else issues.push({ path: at, message: 'a plain array may hold only strings, numbers, booleans or null' });
        continue;
      }
      if (!OPERATORS.has(key)) {
        issues.push({ path: at, message: `unknown operator ${key}` });
        continue;
      }
      operators += 1;
      switch (key) {
        case '$and':
        case '$or':
          if (!Array.isArray(value) || value.length === 0) {
            issues.push({ path: at, message: `${key} takes a non-empty array of filters` });
            break;
          }
          value.forEach((sub, i) => {
            walk(sub, join(at, i), depth + 1);
          });
          break;
        case '$not':
          walk(value, at, depth + 1);
          break;
        case '$in':
        case '$nin':
          if (!Array.isArray(value) || !value.every(isScalar))
            issues.push({ path: at, message: `${key} takes an array of strings, numbers, booleans or null` });
          break;
        case '$startsWith':
        case '$endsWith':
          if (typeof value !== 'string') issues.push({ path: at, message: `${key} takes a string` });
          break;
        case '$exist':
          if (typeof value !== 'boolean') issues.push({ path: at, message: '$exist takes true or false' });
          break;
        case '$eq':
        case '$neq':
          if (!isScalar(value)) issues.push({ path: at, message: `${key} takes a string, number, boolean or null` });
          break;
        default:
          // $gt $gte $lt $lte: numbers compare as numbers, strings (ISO timestamps) as strings.
          if (typeof value !== 'number' && typeof value !== 'string')
            issues.push({ path: at, message: `${key} takes a number or a string` });
      }
    }
  };

  walk(filter, '', 1);
  if (operators > FILTER_MAX_OPERATORS)
    issues.push({ path: '', message: `has ${operators} operators, more than ${FILTER_MAX_OPERATORS}` });
  return issues;
}

function field(value: unknown, key: string): unknown {
  // Own properties only: a filter on "constructor" must not find Object's.
  return isPlainObject(value) && Object.hasOwn(value, key) ? value[key] : undefined;
}

function equals(actual: unknown, expected: unknown): boolean {
  if (Array.isArray(actual)) return actual.some((item) => item === expected);
  return actual === expected;
}

function compare(op: string, actual: unknown, operand: unknown): boolean {
  // Mixed types never compare: "100" is not >= 50, and an absent field is neither above nor below.
  if (typeof actual !== typeof operand || (typeof actual !== 'number' && typeof actual !== 'string')) return false;
  const a = actual as number | string;
  const b = operand as number | string;
  switch (op) {
    case '$gt':
      return a > b;
    case '$gte':
      return a >= b;
    case '$lt':
      return a < b;
    default:
      return a <= b;
  }
}

function applyOperator(op: string, operand: unknown, value: unknown): boolean {
  switch (op) {
    case '$eq':
      return equals(value, operand);
    case '$neq':
      return !equals(value, operand);
    case '$in':
      return (operand as unknown[]).some((o) => equals(value, o));
    case '$nin':
      return !(operand as unknown[]).some((o) => equals(value, o));
    case '$startsWith':
      return typeof value === 'string' && value.startsWith(operand as string);
    case '$endsWith':
      return typeof value === 'string' && value.endsWith(operand as string);
    case '$exist':
      return (value !== undefined) === operand;
    case '$and':
      return (operand as Filter[]).every((f) => matchesAt(f, value));
    case '$or':
      return (operand as Filter[]).some((f) => matchesAt(f, value));
    case '$not':
      return !matchesAt(operand as Filter, value);
    default:
      return compare(op, value, operand);
  }
}

function matchesAt(filter: Filter, value: unknown): boolean {
  for (const key in filter) {
    const expected = filter[key];
    if (key.charCodeAt(0) === 36 /* $ */) {
      if (!applyOperator(key, expected, value)) return false;
      continue;
    }
    const actual = field(value, key);
    if (isPlainObject(expected)) {
      if (!matchesAt(expected, actual)) return false;
    } else if (Array.isArray(expected)) {
      if (!Array.isArray(actual) || !expected.every((e) => actual.includes(e))) return false;
    } else if (!equals(actual, expected)) return false;
  }
  return true;
}

/** Whether an event envelope matches a filter that `validateFilter` accepted. */
export function matchesFilter(filter: Filter, envelope: unknown): boolean {
  return matchesAt(filter, envelope);
}
