import jwt from 'jsonwebtoken';
import { createTokenService, DEFAULT_MAX_ACCESS_MINUTES, DEFAULT_MAX_REFRESH_MINUTES } from '../src/tokens';

const secrets = { access: 'a'.repeat(40), refresh: 'b'.repeat(40) };

describe('tokens', () => {
  const tokens = createTokenService(secrets);

  it('issues HS256 tokens with sub, account_id and typ, never the password', () => {
    const issued = tokens.issue({ username: 'alice', accountId: 123456789 });
    expect(issued.expires_in).toBe(15 * 60_000);
    expect(issued.refresh_token_expires_in).toBe(300 * 60_000);
    const claims = jwt.decode(issued.jwt, { complete: true });
    expect(claims?.header.alg).toBe('HS256');
    expect(claims?.payload).toMatchObject({ sub: 'alice', account_id: 123456789, typ: 'access' });
    expect(JSON.stringify(claims?.payload)).not.toContain('password');
    expect(tokens.verifyAccess(issued.jwt)).toEqual({
      sub: 'alice',
      account_id: 123456789,
      typ: 'access',
      ver: 0,
      exp: expect.any(Number),
    });
  });

  it('never accepts a refresh token as an access token, nor the reverse', () => {
    const issued = tokens.issue({ username: 'alice' });
    expect(tokens.verifyAccess(issued.jwt_refresh_token)).toBeUndefined();
    expect(tokens.verifyRefresh(issued.jwt)).toBeUndefined();
    expect(tokens.verifyRefresh(issued.jwt_refresh_token)?.sub).toBe('alice');
    // Even a refresh-typed token signed with the access secret is refused as an access token.
    const forged = jwt.sign({ sub: 'alice', typ: 'refresh' }, secrets.access);
    expect(tokens.verifyAccess(forged)).toBeUndefined();
  });

  it('rejects expired, tampered, unsigned and other-algorithm tokens', () => {
    const expired = jwt.sign({ sub: 'alice', typ: 'access', exp: Math.floor(Date.now() / 1000) - 10 }, secrets.access);
    expect(tokens.verifyAccess(expired)).toBeUndefined();
    const issued = tokens.issue({ username: 'alice' });
    expect(tokens.verifyAccess(`${issued.jwt}x`)).toBeUndefined();
    const none = jwt.sign({ sub: 'alice', typ: 'access' }, '', { algorithm: 'none' });
    expect(tokens.verifyAccess(none)).toBeUndefined();
    expect(
      tokens.verifyAccess(jwt.sign({ sub: 'alice', typ: 'access' }, secrets.access, { algorithm: 'HS512' })),
    ).toBeUndefined();
    expect(tokens.verifyAccess('not a jwt')).toBeUndefined();
  });

  it('caps huge expiries at one day and 30 days (the seed asks for 6,000,000,000 minutes)', () => {
    const issued = tokens.issue({ username: 'alice' }, 6_000_000_000, 100_000);
    expect(issued.expires_in).toBe(DEFAULT_MAX_ACCESS_MINUTES * 60_000);
    expect(issued.refresh_token_expires_in).toBe(DEFAULT_MAX_REFRESH_MINUTES * 60_000);
    const payload = jwt.decode(issued.jwt) as { exp: number; iat: number };
    expect(payload.exp - payload.iat).toBe(DEFAULT_MAX_ACCESS_MINUTES * 60);
    expect(tokens.verifyAccess(issued.jwt)?.sub).toBe('alice');
  });

  it('expires tokens at exp', () => {
    let now = Date.now();
    const clocked = createTokenService(secrets, () => now);
    const issued = clocked.issue({ username: 'alice' }, 1);
    now += 59_000;
    expect(clocked.verifyAccess(issued.jwt)).toBeDefined();
    now += 2_000;
    expect(clocked.verifyAccess(issued.jwt)).toBeUndefined();
  });
});
