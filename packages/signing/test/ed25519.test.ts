import { createPublicKey, verify as cryptoVerify } from 'node:crypto';
import { generateSecret, generateSigningKey, publicKeyOf, signatureHeaders, verify, verifyAsymmetric } from '../src';

/** What a receiver does with only the whpk_ key and node's crypto. */
function receiverVerifies(publicKey: string, headers: Record<string, string>, body: string): boolean {
  const raw = Buffer.from(publicKey.slice('whpk_'.length), 'base64');
  const key = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: raw.toString('base64url') }, format: 'jwk' });
  const content = Buffer.from(`${headers['webhook-id']}.${headers['webhook-timestamp']}.${body}`);
  return (headers['webhook-signature'] ?? '')
    .split(' ')
    .filter((e) => e.startsWith('v1a,'))
    .some((e) => cryptoVerify(null, content, key, Buffer.from(e.slice(4), 'base64')));
}

describe('ed25519 (v1a) signatures', () => {
  it('whsk_ keys of 64 bytes, whpk_ public keys of 32', () => {
    const key = generateSigningKey();
    expect(key).toMatch(/^whsk_/);
    expect(Buffer.from(key.slice(5), 'base64')).toHaveLength(64);
    const pub = publicKeyOf(key);
    expect(pub).toMatch(/^whpk_/);
    expect(Buffer.from(pub.slice(5), 'base64')).toHaveLength(32);
    // The public half is the key's own tail.
    expect(Buffer.from(key.slice(5), 'base64').subarray(32).toString('base64')).toBe(pub.slice(5));
  });

  it('signs v1a that node crypto verifies with the public key only; a tampered body fails', () => {
    const key = generateSigningKey();
    const body = '{"type":"x","data":{"n":1}}';
    const headers = { ...signatureHeaders([key], 'msg_1', body) };
    expect(headers['webhook-signature']).toMatch(/^v1a,[A-Za-z0-9+/]{86}==$/);
    expect(receiverVerifies(publicKeyOf(key), headers, body)).toBe(true);
    expect(receiverVerifies(publicKeyOf(key), headers, body.replace('1', '2'))).toBe(false);
    expect(receiverVerifies(publicKeyOf(generateSigningKey()), headers, body)).toBe(false);
    expect(
      verifyAsymmetric(
        publicKeyOf(key),
        'msg_1',
        Number(headers['webhook-timestamp']),
        body,
        headers['webhook-signature'],
      ),
    ).toBe(true);
  });

  it('during a rotation both keys sign, and an HMAC secret beside a key signs v1 (v1 verifiers skip v1a)', () => {
    const oldKey = generateSigningKey();
    const newKey = generateSigningKey();
    const body = '{}';
    const both = { ...signatureHeaders([newKey, oldKey], 'msg_2', body) };
    expect(both['webhook-signature'].split(' ')).toHaveLength(2);
    expect(receiverVerifies(publicKeyOf(oldKey), both, body)).toBe(true);
    expect(receiverVerifies(publicKeyOf(newKey), both, body)).toBe(true);
    const hmac = generateSecret();
    const mixed = { ...signatureHeaders([newKey, hmac], 'msg_3', body) };
    expect(mixed['webhook-signature']).toMatch(/^v1a,\S+ v1,\S+$/);
    expect(() => verify(hmac, mixed, body)).not.toThrow();
    expect(receiverVerifies(publicKeyOf(newKey), mixed, body)).toBe(true);
  });
});
