/**
 * A subscription's own headers, sent with each of its deliveries (an API key its receiver expects, a
 * routing hint). Names Hookline itself sets or that govern the HTTP message are refused: a custom
 * `webhook-signature` or `content-length` would break the delivery or forge its meaning.
 */
export const CUSTOM_HEADERS_MAX = 20;
export const CUSTOM_HEADER_VALUE_MAX_LENGTH = 1024;

const FORBIDDEN_NAMES = new Set([
  'content-type',
  'content-length',
  'host',
  'connection',
  'transfer-encoding',
  'user-agent',
]);
// RFC 9110 token: the characters a field name may have.
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
// A field value: visible ASCII, spaces and tabs inside, never CR, LF or NUL (header injection).
const FIELD_VALUE = /^[\x21-\x7e]([\x20-\x7e\t]*[\x21-\x7e])?$/;

export interface HeaderIssue {
  /** The header name the problem is about (empty for the whole set). */
  name: string;
  message: string;
}

/** Every problem with a set of custom headers (empty when it may be saved). */
export function validateCustomHeaders(headers: Record<string, unknown>): HeaderIssue[] {
  const issues: HeaderIssue[] = [];
  const names = Object.keys(headers);
  if (names.length > CUSTOM_HEADERS_MAX)
    issues.push({ name: '', message: `at most ${CUSTOM_HEADERS_MAX} headers (got ${names.length})` });
  const seen = new Set<string>();
  for (const name of names) {
    const lower = name.toLowerCase();
    const value = headers[name];
    if (!TOKEN.test(name) || name.length > 256) issues.push({ name, message: 'is not a valid HTTP header name' });
    else if (FORBIDDEN_NAMES.has(lower) || lower.startsWith('webhook-'))
      issues.push({ name, message: 'is set by Hookline and may not be overridden' });
    else if (seen.has(lower)) issues.push({ name, message: 'is given twice (header names are case-insensitive)' });
    seen.add(lower);
    if (typeof value !== 'string') issues.push({ name, message: 'value must be a string' });
    else if (value.length > CUSTOM_HEADER_VALUE_MAX_LENGTH)
      issues.push({ name, message: `value must be at most ${CUSTOM_HEADER_VALUE_MAX_LENGTH} characters` });
    else if (!FIELD_VALUE.test(value))
      issues.push({ name, message: 'value must be visible ASCII (spaces inside), without line breaks' });
  }
  return issues;
}
