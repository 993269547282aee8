import { isSafePattern } from 'redos-detector';

/**
 * User-supplied regular expressions (a station schema's or an event schema's `pattern`) run on every
 * message, in the event loop: one that backtracks catastrophically stalls every request of the process.
 * They are refused when saved. redos-detector walks every way through the pattern that could match the
 * same input and scores the worst-case backtracking; polynomial blow-ups (`^[^@]+@[^@]+\.[a-z]+$` on a
 * 1 MB body is quadratic) count too. The walk is bounded by steps, not time, so a verdict does not depend
 * on the machine's load; a pattern too involved to finish within the steps is refused, never trusted.
 */

/** Longer patterns are refused outright: the analysis grows with the pattern. */
export const MAX_PATTERN_LENGTH = 512;
/** A schema may carry this many patterns: each costs up to a few hundred ms of analysis when saved. */
export const MAX_PATTERNS = 16;
/** About 300 ms of analysis for the worst pattern seen; every safe pattern tried needed a few ms. */
const MAX_STEPS = 2000;

export type PatternVerdict = { safe: true } | { safe: false; reason: string };

export interface UnsafePattern {
  /** Where in the schema, e.g. `properties.email.pattern`. */
  path: string;
  pattern: string;
  reason: string;
}

/** Whether `pattern` (ECMAScript syntax with the `u` flag, as ajv compiles JSON Schema patterns) is safe. */
export function checkPattern(pattern: string): PatternVerdict {
  if (pattern.length > MAX_PATTERN_LENGTH)
    return { safe: false, reason: `longer than ${MAX_PATTERN_LENGTH} characters` };
  let result: ReturnType<typeof isSafePattern>;
  try {
    result = isSafePattern(pattern, { unicode: true, maxSteps: MAX_STEPS, timeout: Number.POSITIVE_INFINITY });
  } catch {
    // The parser does not know every construct (named groups, for one): what cannot be checked is refused.
    return { safe: false, reason: 'uses syntax the backtracking check cannot analyse' };
  }
  if (result.safe) return { safe: true };
  return {
    safe: false,
    reason:
      result.error === 'hitMaxScore'
        ? 'can backtrack catastrophically (nested or overlapping repetition)'
        : 'is too complex to prove free of catastrophic backtracking',
  };
}

/** JSON Schema keywords whose values are data, not schemas: a `pattern` key inside them is not a keyword. */
const DATA_KEYWORDS = new Set(['const', 'enum', 'default', 'examples', 'example']);

/**
 * The first unsafe regular expression of a JSON Schema: `pattern` values and `patternProperties` keys,
 * at any depth, or null when every one is safe. More than MAX_PATTERNS patterns is itself refused.
 */
export function findUnsafePattern(schema: unknown): UnsafePattern | null {
  const found: Array<{ path: string; pattern: string }> = [];
  collect(schema, '', found);
  if (found.length > MAX_PATTERNS) {
    const first = found[MAX_PATTERNS] as { path: string; pattern: string };
    return { ...first, reason: `the schema has more than ${MAX_PATTERNS} patterns` };
  }
  for (const { path, pattern } of found) {
    const verdict = checkPattern(pattern);
    if (!verdict.safe) return { path, pattern, reason: verdict.reason };
  }
  return null;
}

function collect(node: unknown, path: string, out: Array<{ path: string; pattern: string }>): void {
  if (Array.isArray(node)) {
    for (const [i, item] of node.entries()) collect(item, `${path}[${i}]`, out);
    return;
  }
  if (node === null || typeof node !== 'object') return;
  for (const [key, value] of Object.entries(node)) {
    const at = path ? `${path}.${key}` : key;
    if (DATA_KEYWORDS.has(key)) continue;
    if (key === 'pattern' && typeof value === 'string') out.push({ path: at, pattern: value });
    if (key === 'patternProperties' && value !== null && typeof value === 'object') {
      for (const p of Object.keys(value)) out.push({ path: `${at}[${JSON.stringify(p)}]`, pattern: p });
    }
    collect(value, at, out);
  }
}
