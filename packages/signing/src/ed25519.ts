import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject, sign, verify } from 'node:crypto';
import { keyCache } from './key-cache';

/**
 * Standard Webhooks asymmetric signatures (`v1a`, ed25519). The secret key is `whsk_` + base64 of
 * the 32-byte seed followed by the 32-byte public key (libsodium's 64-byte secret key layout); the
 * public key a receiver verifies with is `whpk_` + base64 of the 32 raw bytes. The signed content is
 * the same as for `v1`: `${id}.${timestamp}.${body}`.
 */
export const SIGNING_KEY_PREFIX = 'whsk_';
export const PUBLIC_KEY_PREFIX = 'whpk_';

// DER wrappers that turn raw ed25519 key bytes into PKCS#8 / SPKI, which node's crypto imports.
const PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');
const SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

export function isSigningKey(secret: string): boolean {
  return secret.startsWith(SIGNING_KEY_PREFIX);
}

/** A new ed25519 key pair as `whsk_…`. */
export function generateSigningKey(): string {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const seed = privateKey.export({ format: 'der', type: 'pkcs8' }).subarray(PKCS8_PREFIX.length);
  const pub = publicKey.export({ format: 'der', type: 'spki' }).subarray(SPKI_PREFIX.length);
  return SIGNING_KEY_PREFIX + Buffer.concat([seed, pub]).toString('base64');
}

function keyBytes(secret: string): Buffer {
  const raw = Buffer.from(secret.slice(SIGNING_KEY_PREFIX.length), 'base64');
  if (raw.length !== 64 && raw.length !== 32) throw new Error('a whsk_ key holds 32 or 64 bytes');
  return raw;
}

// Importing a key costs more than signing with it.
const privateKeyOf = keyCache((secret): KeyObject => {
  const seed = keyBytes(secret).subarray(0, 32);
  return createPrivateKey({ key: Buffer.concat([PKCS8_PREFIX, seed]), format: 'der', type: 'pkcs8' });
});

/** `whpk_…`, the only key a receiver needs (and the only one Hookline ever shows). */
export function publicKeyOf(secret: string): string {
  const pub = createPublicKey(privateKeyOf(secret))
    .export({ format: 'der', type: 'spki' })
    .subarray(SPKI_PREFIX.length);
  return PUBLIC_KEY_PREFIX + pub.toString('base64');
}

/** `v1a,<base64 ed25519 signature of "${id}.${timestamp}.${body}">` */
export function signAsymmetric(secret: string, msgId: string, timestampSeconds: number, body: string): string {
  const signature = sign(null, Buffer.from(`${msgId}.${timestampSeconds}.${body}`), privateKeyOf(secret));
  return `v1a,${signature.toString('base64')}`;
}

/** Whether any `v1a` entry of a `webhook-signature` header verifies with this `whpk_` key. */
export function verifyAsymmetric(
  publicKey: string,
  msgId: string,
  timestampSeconds: number,
  body: string,
  signatureHeader: string,
): boolean {
  const raw = Buffer.from(publicKey.replace(PUBLIC_KEY_PREFIX, ''), 'base64');
  const key = createPublicKey({ key: Buffer.concat([SPKI_PREFIX, raw]), format: 'der', type: 'spki' });
  const content = Buffer.from(`${msgId}.${timestampSeconds}.${body}`);
  return signatureHeader.split(' ').some((entry) => {
    const [version, value] = entry.split(',', 2);
    return version === 'v1a' && value !== undefined && verify(null, content, key, Buffer.from(value, 'base64'));
  });
}
