import { Webhook } from 'standardwebhooks';
import { keyCache } from '../src/key-cache';
import { generateSecret, sign } from '../src/standard-webhooks';

describe('keyCache', () => {
  it('decodes a secret once however often it signs, and starts over past its bound', () => {
    const decoded: string[] = [];
    const key = keyCache((s) => {
      decoded.push(s);
      return s.length;
    }, 2);
    for (let i = 0; i < 5; i++) expect(key('aa')).toBe(2);
    expect(decoded).toEqual(['aa']);
    key('bbb');
    key('cccc'); // third distinct secret: the cache starts over
    expect(key('aa')).toBe(2);
    expect(decoded).toEqual(['aa', 'bbb', 'cccc', 'aa']);
  });

  it('signs with each of many secrets what the reference library verifies, cached or not', () => {
    const secrets = Array.from({ length: 50 }, () => generateSecret());
    const ts = Math.floor(Date.now() / 1000);
    for (let round = 0; round < 2; round++) {
      for (const [i, secret] of secrets.entries()) {
        const body = `{"n":${i}}`;
        const headers = {
          'webhook-id': `msg_${i}`,
          'webhook-timestamp': String(ts),
          'webhook-signature': sign(secret, `msg_${i}`, ts, body),
        };
        expect(() => new Webhook(secret).verify(body, headers)).not.toThrow();
      }
    }
  });
});
