export {
  checkPattern,
  findUnsafePattern,
  MAX_PATTERN_LENGTH,
  MAX_PATTERNS,
  type PatternVerdict,
  type UnsafePattern,
} from './safe-pattern';
