import { timingSafeEqual } from 'node:crypto';
import type { Request, RequestHandler } from 'express';
import { errorBody } from './errors';
import type { Logger } from './logger';
import { requireJsonContentType } from './request-guard';
import { isTenantToken, readTenantToken, type TenantTokenVerifier } from './tenant-token';

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|::ffff:127\.\d+\.\d+\.\d+)$/;

export function isLoopback(address: string | undefined): boolean {
  return LOOPBACK.test(address ?? '');
}

export function equalKeys(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** Who a request acts for: management (every tenant) or one tenant, through a tenant token. */
export type Access = { kind: 'management' } | { kind: 'tenant'; tenant: string; since: Date | null };

const accessByRequest = new WeakMap<Request, Access>();

/**
 * Since when a tenant-scoped request may see records: its tenant's creation. Records stay behind a
 * deleted tenant (deliveries until retention), and a tenant created again under the same id is not
 * the one they belonged to. Null for management access, and for `default`, which is never deleted
 * and holds the records written before tenants existed.
 */
export function tenantSince(req: Request): Date | null {
  const access = accessByRequest.get(req);
  return access?.kind === 'tenant' ? access.since : null;
}

/** The tenant a request is scoped to, or undefined for management access. Only after `apiAuth`. */
export function tenantScope(req: Request): string | undefined {
  const access = accessByRequest.get(req);
  return access?.kind === 'tenant' ? access.tenant : undefined;
}

export interface AuthOptions {
  apiKeys: readonly string[];
  logger?: Logger;
  /** Tenant tokens are accepted (scoped to their tenant) only where this is given. */
  tenantTokens?: TenantTokenVerifier;
}

let warned = false;

const REASONS = {
  malformed: 'the tenant token is malformed',
  bad_signature: 'the tenant token is not validly signed',
  expired: 'the tenant token has expired',
  revoked: 'the tenant token was revoked',
  unknown_tenant: "the tenant token's tenant no longer exists",
} as const;

/**
 * Auth for every API route. With `API_KEYS` set, `Authorization: Bearer <key>` is required (401
 * otherwise). Without keys Hookline runs in "protected mode", like Redis: only loopback clients are
 * served (403 for others), so a fresh install is never an open admin API.
 *
 * A tenant token (`hlt_…`) scopes the request to its tenant, from loopback too. Where the route takes
 * tenant tokens (`tenantTokens` given) a bad one is a 401; on a management-only route any tenant token
 * is a 403, so a tenant learns nothing about the management surface.
 */
export function apiAuth(options: AuthOptions): RequestHandler {
  const { apiKeys, logger, tenantTokens } = options;
  // Said once per process, however many apps it runs.
  if (apiKeys.length === 0 && logger && !warned) {
    warned = true;
    logger.warn('protected mode: API_KEYS is not set, management routes answer loopback clients only');
  }
  return async (req, res, next) => {
    const header = req.headers.authorization ?? '';
    const bearer = header.startsWith('Bearer ') ? header.slice(7).trim() : '';
    if (isTenantToken(bearer)) {
      if (!tenantTokens) {
        res.status(403).json(errorBody('forbidden', 'a tenant token cannot use this management-only route'));
        return;
      }
      const reading = readTenantToken(tenantTokens.secret, bearer);
      let failure: keyof typeof REASONS | undefined = reading.ok ? undefined : reading.reason;
      if (reading.ok) {
        const { tenant } = reading.claims;
        const record = await tenantTokens.state.tenant(tenant);
        if (record === undefined) failure = 'unknown_tenant';
        else if (record.tokenEpoch !== reading.claims.epoch) failure = 'revoked';
        else {
          const since = tenant === 'default' ? null : record.createdAt;
          accessByRequest.set(req, { kind: 'tenant', tenant, since });
          return next();
        }
      }
      res.status(401).json(errorBody('invalid_token', REASONS[failure ?? 'malformed']));
      return;
    }
    // Ambient trust (loopback, the edge's added key) is what a cross-site form would borrow; a
    // tenant token is not ambient (a browser never attaches it by itself), so only this path checks.
    const asManagement = () => {
      accessByRequest.set(req, { kind: 'management' });
      requireJsonContentType(req, res, next);
    };
    if (apiKeys.length === 0) {
      if (isLoopback(req.socket.remoteAddress)) return asManagement();
      res
        .status(403)
        .json(
          errorBody('protected_mode', 'API_KEYS is not set: management routes are served to loopback clients only'),
        );
      return;
    }
    if (bearer && apiKeys.some((k) => equalKeys(k, bearer))) return asManagement();
    res.status(401).json(errorBody('unauthorized', 'a valid API key is required: Authorization: Bearer <key>'));
  };
}

/** Auth for management-only routes: API keys (or loopback in protected mode); tenant tokens are a 403. */
export function managementAuth(apiKeys: readonly string[], logger?: Logger): RequestHandler {
  return apiAuth({ apiKeys, logger });
}
