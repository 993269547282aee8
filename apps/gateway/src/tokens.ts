import { createSecretKey, type KeyObject, randomUUID } from 'node:crypto';
import jwt from 'jsonwebtoken';
import type { JwtSecrets } from './secrets';

/** What a gateway token carries. Never the password. */
export interface GatewayClaims {
  sub: string;
  account_id?: string | number;
  typ: 'access' | 'refresh';
  /** The user's token version when issued: a password change or deletion moves it on. */
  ver: number;
  /** Refresh tokens only: its id, refused once used (refresh tokens rotate). */
  jti?: string;
  /** Seconds since the epoch. */
  exp?: number;
}

export const DEFAULT_ACCESS_MINUTES = 15;
export const DEFAULT_REFRESH_MINUTES = 300;
/**
 * Memphis users set `token_expiry_in_minutes: 6000000000` (11,000 years) to get a token that
 * "never" expires. A token that never expires cannot be taken back from a leaked URL (senders put it
 * in `?authorization=`): lifetimes are capped, by default at one day for access tokens and 30 days
 * for refresh tokens (MAX_TOKEN_EXPIRY_MINUTES, MAX_REFRESH_TOKEN_EXPIRY_MINUTES). A longer request
 * is not an error (Memphis clients send one): `expires_in` says what was granted.
 */
export const DEFAULT_MAX_ACCESS_MINUTES = 24 * 60;
export const DEFAULT_MAX_REFRESH_MINUTES = 30 * 24 * 60;

export interface TokenLimits {
  maxAccessMinutes: number;
  maxRefreshMinutes: number;
}

export interface IssuedTokens {
  jwt: string;
  /** Effective lifetime of `jwt` in milliseconds (after the 100-year cap). */
  expires_in: number;
  jwt_refresh_token: string;
  refresh_token_expires_in: number;
}

export function lifetimeMs(minutes: number, maxMinutes: number): number {
  // At least one second, so a tiny value still yields a token that is valid when returned.
  return Math.max(1000, Math.round(Math.min(minutes, maxMinutes) * 60_000));
}

export interface TokenService {
  issue(
    user: { username: string; accountId?: string | number; tokenVersion?: number },
    accessMinutes?: number,
    refreshMinutes?: number,
  ): IssuedTokens;
  verifyAccess(token: string): GatewayClaims | undefined;
  verifyRefresh(token: string): GatewayClaims | undefined;
}

/**
 * HS256 tokens. Access and refresh tokens use different secrets AND carry `typ`, so a refresh token
 * is never accepted where an access token is expected (and the reverse).
 */
export function createTokenService(
  secrets: JwtSecrets,
  now: () => number = Date.now,
  limits: TokenLimits = {
    maxAccessMinutes: DEFAULT_MAX_ACCESS_MINUTES,
    maxRefreshMinutes: DEFAULT_MAX_REFRESH_MINUTES,
  },
): TokenService {
  // KeyObjects, not strings: given a string, jsonwebtoken first tries to parse it as a PEM public
  // key on every call, and that failing parse was most of a produce request's CPU.
  const keys = {
    access: createSecretKey(Buffer.from(secrets.access)),
    refresh: createSecretKey(Buffer.from(secrets.refresh)),
  };
  const sign = (claims: GatewayClaims, ms: number, secret: KeyObject) => {
    const iat = Math.floor(now() / 1000);
    return jwt.sign({ ...claims, iat, exp: iat + Math.floor(ms / 1000) }, secret, { algorithm: 'HS256' });
  };
  const verify = (token: string, secret: KeyObject, typ: GatewayClaims['typ']): GatewayClaims | undefined => {
    try {
      const payload = jwt.verify(token, secret, { algorithms: ['HS256'], clockTimestamp: Math.floor(now() / 1000) });
      if (typeof payload !== 'object' || payload.typ !== typ || typeof payload.sub !== 'string') return undefined;
      const ver = (payload as { ver?: unknown }).ver;
      const claims: GatewayClaims = { sub: payload.sub, typ, ver: typeof ver === 'number' ? ver : 0 };
      const account = (payload as { account_id?: unknown }).account_id;
      if (typeof account === 'string' || typeof account === 'number') claims.account_id = account;
      if (typeof payload.jti === 'string') claims.jti = payload.jti;
      if (typeof payload.exp === 'number') claims.exp = payload.exp;
      return claims;
    } catch {
      return undefined;
    }
  };
  return {
    issue(user, accessMinutes = DEFAULT_ACCESS_MINUTES, refreshMinutes = DEFAULT_REFRESH_MINUTES) {
      const base = {
        sub: user.username,
        ver: user.tokenVersion ?? 0,
        ...(user.accountId !== undefined ? { account_id: user.accountId } : {}),
      };
      const accessMs = lifetimeMs(accessMinutes, limits.maxAccessMinutes);
      const refreshMs = lifetimeMs(refreshMinutes, limits.maxRefreshMinutes);
      return {
        jwt: sign({ ...base, typ: 'access' }, accessMs, keys.access),
        expires_in: accessMs,
        jwt_refresh_token: sign({ ...base, typ: 'refresh', jti: randomUUID() }, refreshMs, keys.refresh),
        refresh_token_expires_in: refreshMs,
      };
    },
    verifyAccess: (token) => verify(token, keys.access, 'access'),
    verifyRefresh: (token) => verify(token, keys.refresh, 'refresh'),
  };
}
