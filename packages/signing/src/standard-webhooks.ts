import { createHmac, createSecretKey, randomBytes, timingSafeEqual } from 'node:crypto';
import { isSigningKey, signAsymmetric } from './ed25519';
import { keyCache } from './key-cache';

/**
 * Standard Webhooks v1 (symmetric) signatures. Receivers can use this module too:
 * `verify(secret, headers, rawBody)` is what `standardwebhooks`' `Webhook#verify` does.
 */
const SECRET_PREFIX = 'whsec_';
const TOLERANCE_SECONDS = 300;

export class WebhookVerificationError extends Error {
  override readonly name = 'WebhookVerificationError';
}

/** `whsec_` + base64 of 32 random bytes (the spec allows 24 to 64). */
export function generateSecret(bytes = 32): string {
  return SECRET_PREFIX + randomBytes(bytes).toString('base64');
}

const secretKey = keyCache((secret) =>
  createSecretKey(
    Buffer.from(secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret, 'base64'),
  ),
);

/** `v1,<base64 HMAC-SHA256(key, "${id}.${timestamp}.${body}")>` */
export function sign(secret: string, msgId: string, timestampSeconds: number, body: string): string {
  const mac = createHmac('sha256', secretKey(secret)).update(`${msgId}.${timestampSeconds}.${body}`).digest('base64');
  return `v1,${mac}`;
}

export interface SignatureHeaders {
  'webhook-id': string;
  'webhook-timestamp': string;
  'webhook-signature': string;
}

/**
 * Headers for one attempt. Every secret given signs (space-separated), which is how a rotation
 * works: receivers holding either the old or the new secret verify during the grace period. A
 * `whsk_` key signs `v1a` (ed25519), a `whsec_` secret `v1` (HMAC): the secret says its scheme.
 */
export function signatureHeaders(
  secrets: readonly string[],
  msgId: string,
  body: string,
  now: Date = new Date(),
): SignatureHeaders {
  const ts = Math.floor(now.getTime() / 1000);
  return {
    'webhook-id': msgId,
    'webhook-timestamp': String(ts),
    'webhook-signature': secrets
      .map((s) => (isSigningKey(s) ? signAsymmetric(s, msgId, ts, body) : sign(s, msgId, ts, body)))
      .join(' '),
  };
}

export interface VerifyOptions {
  now?: Date;
  toleranceSeconds?: number;
}

function header(headers: Record<string, string | string[] | undefined>, name: string): string {
  const value = headers[name] ?? headers[name.toLowerCase()];
  const first = Array.isArray(value) ? value[0] : value;
  if (!first) throw new WebhookVerificationError(`missing ${name} header`);
  return first;
}

/** Throws WebhookVerificationError unless some `v1` signature matches within the time tolerance. */
export function verify(
  secret: string,
  headers: Record<string, string | string[] | undefined>,
  body: string,
  options: VerifyOptions = {},
): void {
  const id = header(headers, 'webhook-id');
  const tsText = header(headers, 'webhook-timestamp');
  const signatures = header(headers, 'webhook-signature');
  if (!/^\d+$/.test(tsText)) throw new WebhookVerificationError('invalid webhook-timestamp');
  const ts = Number(tsText);
  const nowSeconds = Math.floor((options.now ?? new Date()).getTime() / 1000);
  const tolerance = options.toleranceSeconds ?? TOLERANCE_SECONDS;
  if (Math.abs(nowSeconds - ts) > tolerance) throw new WebhookVerificationError('timestamp outside tolerance');
  const expected = Buffer.from(sign(secret, id, ts, body).slice(3), 'base64');
  for (const entry of signatures.split(' ')) {
    const [version, value] = entry.split(',', 2);
    if (version !== 'v1' || !value) continue; // other versions (v1a) are skipped, as the spec says
    const given = Buffer.from(value, 'base64');
    if (given.length === expected.length && timingSafeEqual(given, expected)) return;
  }
  throw new WebhookVerificationError('no matching signature');
}
