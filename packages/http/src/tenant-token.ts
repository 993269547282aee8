import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Tenant tokens: what `POST /tenants/:id/portal` mints, a bearer credential scoped to one tenant.
 * `hlt_<base64url(JSON claims)>.<base64url(HMAC-SHA256)>`. The prefix tells auth at a glance that a
 * bearer is a tenant token and not an API key (so a token is never compared against the keys, and a
 * token on a management-only route is a 403 whatever its state).
 *
 * Revocation: every tenant record holds a `tokenEpoch`; a token carries the epoch current when it was
 * minted and is valid only while the record still holds that value. Revoking moves the epoch, so every
 * token issued before is invalid in every process at once (each request reads the record: no cache to
 * go stale). The epoch starts at the tenant's creation time, so a tenant deleted and created again under
 * the same id does not inherit the old tenant's tokens.
 */
export const TENANT_TOKEN_PREFIX = 'hlt_';

export interface TenantTokenClaims {
  tenant: string;
  epoch: number;
  /** Issued at, milliseconds since the epoch. */
  iat: number;
  /** Expires at, milliseconds since the epoch. */
  exp: number;
}

export type TokenReading =
  | { ok: true; claims: TenantTokenClaims }
  | { ok: false; reason: 'malformed' | 'bad_signature' | 'expired' };

const mac = (secret: string, payload: string) =>
  createHmac('sha256', secret).update(`${TENANT_TOKEN_PREFIX}${payload}`).digest();

export function isTenantToken(bearer: string): boolean {
  return bearer.startsWith(TENANT_TOKEN_PREFIX);
}

export function signTenantToken(secret: string, claims: TenantTokenClaims): string {
  const payload = Buffer.from(JSON.stringify(claims)).toString('base64url');
  return `${TENANT_TOKEN_PREFIX}${payload}.${mac(secret, payload).toString('base64url')}`;
}

/** Checks shape, signature and expiry (not revocation: that needs the tenant record). */
export function readTenantToken(secret: string, token: string, now = Date.now()): TokenReading {
  if (!isTenantToken(token)) return { ok: false, reason: 'malformed' };
  const [payload, signature, ...rest] = token.slice(TENANT_TOKEN_PREFIX.length).split('.');
  if (!payload || !signature || rest.length > 0) return { ok: false, reason: 'malformed' };
  const expected = mac(secret, payload);
  const given = Buffer.from(signature, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected))
    return { ok: false, reason: 'bad_signature' };
  let claims: Partial<TenantTokenClaims>;
  try {
    claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Partial<TenantTokenClaims>;
  } catch {
    return { ok: false, reason: 'malformed' };
  }
  const { tenant, epoch, iat, exp } = claims ?? {};
  if (typeof tenant !== 'string' || typeof epoch !== 'number' || typeof iat !== 'number' || typeof exp !== 'number')
    return { ok: false, reason: 'malformed' };
  if (exp <= now) return { ok: false, reason: 'expired' };
  return { ok: true, claims: { tenant, epoch, iat, exp } };
}

/** What auth reads of a tenant's record: undefined when the tenant does not exist. */
export interface TenantTokenState {
  tenant(tenant: string): Promise<{ tokenEpoch: number; createdAt: Date | null } | undefined>;
}

/** What every app needs to accept tenant tokens: the shared signing secret and the tenant records. */
export interface TenantTokenVerifier {
  secret: string;
  state: TenantTokenState;
}
