import type { Request, RequestHandler } from 'express';
import { UNAUTHORIZED } from './memphis';
import type { GatewayClaims, TokenService } from './tokens';
import type { GatewayUsers } from './users';

/**
 * The access token from `Authorization: Bearer <jwt>` or, for senders that cannot set headers
 * (Stripe, GitHub), from `?authorization=<jwt>`.
 */
export function tokenFrom(req: Request): string | undefined {
  const header = req.headers.authorization;
  if (header && /^bearer /i.test(header)) return header.slice(7).trim() || undefined;
  const query = req.query.authorization;
  return typeof query === 'string' && query.length > 0 ? query : undefined;
}

/**
 * 401 `{"message": "Unauthorized"}` unless a valid, unexpired access token comes with the request, of
 * a user that still exists, issued under the user's current password (its token version).
 */
export function requireAccessToken(tokens: TokenService, users: Pick<GatewayUsers, 'tokenVersion'>): RequestHandler {
  return (req, res, next) => {
    const token = tokenFrom(req);
    const claims = token ? tokens.verifyAccess(token) : undefined;
    if (!claims) {
      res.status(401).json(UNAUTHORIZED);
      return;
    }
    users.tokenVersion(claims.sub).then((version) => {
      if (version !== claims.ver) {
        res.status(401).json(UNAUTHORIZED);
        return;
      }
      res.locals.gatewayClaims = claims satisfies GatewayClaims;
      next();
    }, next);
  };
}
