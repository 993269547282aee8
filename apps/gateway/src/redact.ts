/** A URL safe to log: the token in the query string is replaced. */
export function redactedUrl(url: string): string {
  return url.replace(/([?&]authorization=)[^&]*/gi, '$1[redacted]');
}
