import { isSafePattern } from 'redos-detector';

/**
 * Whether a regular expression given by a user (a JSON Schema `pattern`, a JSONata regex, a gateway
 * station schema) can be run on untrusted input without catastrophic backtracking. JavaScript's
 * engine backtracks: `^(a+)+$` against "aaaa…!" takes exponential time and blocks the event loop,
 * so such a pattern is refused when it is saved rather than discovered when a request hangs.
 *
 * redos-detector walks every path the pattern can take and scores how many overlap; a pattern it
 * cannot prove safe within the step and time budget counts as unsafe. It errs on the strict side
 * (`^\S+@\S+\.\S+$` is refused: `\S` also matches `@` and `.`); `^[^@\s]+@[^@\s]+$` says the same safely.
 */
export type RegexSafety = { safe: true } | { safe: false; reason: string };

/** Budget of one check: a few hundred ms at worst, spent once when a schema is saved. */
const CHECK_TIMEOUT_MS = 100;
const MAX_PATTERN_LENGTH = 1000;

export function checkRegexSafety(pattern: string, flags = ''): RegexSafety {
  if (pattern.length > MAX_PATTERN_LENGTH)
    return { safe: false, reason: `the pattern is longer than ${MAX_PATTERN_LENGTH} characters` };
  try {
    new RegExp(pattern, flags.includes('u') ? 'u' : '');
  } catch (err) {
    return { safe: false, reason: `not a valid regular expression: ${(err as Error).message}` };
  }
  let result: ReturnType<typeof isSafePattern>;
  try {
    result = isSafePattern(pattern, {
      timeout: CHECK_TIMEOUT_MS,
      caseInsensitive: flags.includes('i'),
      unicode: flags.includes('u'),
      multiLine: flags.includes('m'),
      dotAll: flags.includes('s'),
    });
  } catch (err) {
    return { safe: false, reason: `cannot be checked for backtracking: ${(err as Error).message}` };
  }
  if (result.safe) return { safe: true };
  const why =
    result.error === 'timedOut' || result.error === 'hitMaxSteps'
      ? 'could not be proven free of catastrophic backtracking'
      : 'is prone to catastrophic backtracking (nested or overlapping repetition)';
  return { safe: false, reason: `the pattern ${JSON.stringify(pattern)} ${why}` };
}
