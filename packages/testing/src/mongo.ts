import { randomBytes } from 'node:crypto';

/**
 * A MongoDB URL for a database no other test uses. `npm test` (scripts/test.ts) sets MONGO_URL to
 * the embedded server, or to a real MongoDB when the caller set one.
 */
export function uniqueMongoUrl(label = 't'): string {
  const base = process.env.MONGO_URL;
  if (!base) throw new Error('MONGO_URL is not set: run the tests with `npm test` at the repository root');
  const url = new URL(base);
  url.pathname = `/${label.replace(/[^A-Za-z0-9_]/g, '_').slice(0, 20)}_${randomBytes(4).toString('hex')}`;
  return url.toString();
}
