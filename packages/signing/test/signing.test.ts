import { Webhook } from 'standardwebhooks';
import { generateSecret, sign, signatureHeaders, verify, WebhookVerificationError } from '../src';

const VECTOR = {
  secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
  id: 'msg_p5jXN8AQM9LWM0D4loKWxJek',
  timestamp: 1614265330,
  body: '{"test": 2432232314}',
  signature: 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
};

describe('Standard Webhooks signing', () => {
  it('reproduces the spec test vector', () => {
    expect(sign(VECTOR.secret, VECTOR.id, VECTOR.timestamp, VECTOR.body)).toBe(VECTOR.signature);
  });

  it('produces headers the reference verifier accepts, with both secrets during a rotation', () => {
    const oldSecret = generateSecret();
    const newSecret = generateSecret();
    const body = JSON.stringify({ type: 'LIKED_PHOTO', data: { photoId: '1' } });
    const headers = signatureHeaders([newSecret, oldSecret], 'msg_1', body);
    expect(headers['webhook-signature'].split(' ')).toHaveLength(2);
    expect(() => new Webhook(oldSecret).verify(body, { ...headers })).not.toThrow();
    expect(() => new Webhook(newSecret).verify(body, { ...headers })).not.toThrow();
    expect(() => new Webhook(generateSecret()).verify(body, { ...headers })).toThrow();
  });

  it('verify rejects a tampered body, a stale timestamp and missing headers', () => {
    const secret = generateSecret();
    const headers = signatureHeaders([secret], 'msg_2', '{"a":1}');
    expect(() => verify(secret, { ...headers }, '{"a":1}')).not.toThrow();
    expect(() => verify(secret, { ...headers }, '{"a":2}')).toThrow(WebhookVerificationError);
    const old = signatureHeaders([secret], 'msg_2', '{"a":1}', new Date(Date.now() - 301_000));
    expect(() => verify(secret, { ...old }, '{"a":1}')).toThrow(/tolerance/);
    expect(() => verify(secret, {}, '{"a":1}')).toThrow(/missing webhook-id/);
  });

  it('generates whsec_ secrets of 32 random bytes', () => {
    const s = generateSecret();
    expect(s).toMatch(/^whsec_[A-Za-z0-9+/]+=*$/);
    expect(Buffer.from(s.slice(6), 'base64')).toHaveLength(32);
    expect(generateSecret()).not.toBe(s);
  });
});
