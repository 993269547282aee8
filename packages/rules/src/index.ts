export {
  FILTER_MAX_DEPTH,
  FILTER_MAX_OPERATORS,
  type Filter,
  type FilterIssue,
  matchesFilter,
  validateFilter,
} from './filter';
export { CUSTOM_HEADERS_MAX, type HeaderIssue, validateCustomHeaders } from './headers';
export {
  checkTransform,
  runTransform,
  TRANSFORM_MAX_LENGTH,
  TRANSFORM_MAX_OUTPUT_BYTES,
  TRANSFORM_TIMEOUT_MS,
  type TransformError,
  type TransformResult,
} from './transform';
