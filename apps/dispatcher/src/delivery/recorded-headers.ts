/**
 * The headers an attempt keeps in its delivery document (what the dashboard and the portal show):
 * the request's as sent, the response's as received. Names are lower-cased (HTTP headers are
 * case-insensitive); at most RECORDED_HEADERS_MAX, each value cut at RECORDED_VALUE_MAX characters,
 * since a receiver is untrusted. A credential is never stored: the value of any header whose name
 * says it carries one (an API key or token the subscription sends, a cookie the receiver sets) is
 * replaced by REDACTED. The webhook signature is not a credential: it is public once sent.
 */
export const RECORDED_HEADERS_MAX = 50;
export const RECORDED_VALUE_MAX = 1024;
export const REDACTED = '[redacted]';
// Broad on purpose: a subscription names its own headers (`X-Auth`, `X-Access-Key`, `X-Client-Pass`), and
// a value hidden that was harmless costs a reader less than a credential kept in every attempt.
const CREDENTIAL = /auth|cookie|key|token|secret|pass|credential|session/i;

export function recordedHeaders(headers: Readonly<Record<string, unknown>> | null | undefined): Record<string, string> {
  const kept: Record<string, string> = {};
  let count = 0;
  for (const [name, raw] of Object.entries(headers ?? {})) {
    if (raw === undefined || raw === null || typeof raw === 'function') continue;
    const key = name.toLowerCase();
    // A field name MongoDB would refuse or read as a path.
    if (key.includes('.') || key.startsWith('$')) continue;
    if (count++ === RECORDED_HEADERS_MAX) break;
    const value = Array.isArray(raw) ? raw.join(', ') : String(raw);
    kept[key] = CREDENTIAL.test(key) ? REDACTED : value.slice(0, RECORDED_VALUE_MAX);
  }
  return kept;
}
