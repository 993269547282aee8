import { defineRoute } from '@hookline/http';
import { z } from 'zod';
import { UNAUTHORIZED } from '../memphis';
import { authenticateBody, refreshBody, tokensResponse } from '../schemas';
import type { AppContext } from './context';

const authenticateQuery = z.object({
  accountId: z.string({ error: 'give accountId at most once, as a plain value' }).optional(),
});

/** `POST /auth/authenticate` and `POST /auth/refreshToken`, open routes, Memphis shapes. */
export function authRoutes(ctx: AppContext): void {
  const { users, tokens, logger } = ctx;

  defineRoute(ctx, {
    method: 'post',
    path: '/auth/authenticate',
    tags: ['gateway'],
    summary: 'Get an access and a refresh token (Memphis REST gateway)',
    access: ctx.access.auth,
    query: authenticateQuery,
    body: authenticateBody,
    responses: { 200: { description: 'tokens; expiries in milliseconds', schema: tokensResponse } },
    async handler({ query, body }, _req, res) {
      const queryAccount = query.accountId;
      const accountId =
        body.account_id ?? (queryAccount && /^\d+$/.test(queryAccount) ? Number(queryAccount) : queryAccount);
      const tokenVersion = (await users.verify(body.username, body.password))
        ? await users.tokenVersion(body.username)
        : null;
      if (tokenVersion === null) {
        logger.info({ username: body.username }, 'gateway.authentication_failed');
        res.status(401).json(UNAUTHORIZED);
        return;
      }
      res.json(
        tokens.issue(
          { username: body.username, tokenVersion, ...(accountId !== undefined ? { accountId } : {}) },
          body.token_expiry_in_minutes,
          body.refresh_token_expiry_in_minutes,
        ),
      );
    },
  });

  defineRoute(ctx, {
    method: 'post',
    path: '/auth/refreshToken',
    tags: ['gateway'],
    summary: 'Exchange a refresh token for new tokens',
    access: ctx.access.auth,
    body: refreshBody,
    responses: { 200: { description: 'new tokens', schema: tokensResponse } },
    async handler({ body }, _req, res) {
      const claims = tokens.verifyRefresh(body.jwt_refresh_token);
      // A user removed or whose password changed since the token was issued gets no new one; nor does
      // a refresh token used before (each exchange gives a new one: a stolen copy works at most once).
      const tokenVersion = claims ? await users.tokenVersion(claims.sub) : null;
      if (
        !claims?.jti ||
        tokenVersion !== claims.ver ||
        !(await users.useRefreshToken(claims.jti, new Date((claims.exp ?? 0) * 1000)))
      ) {
        res.status(401).json(UNAUTHORIZED);
        return;
      }
      res.json(
        tokens.issue(
          {
            username: claims.sub,
            tokenVersion,
            ...(claims.account_id !== undefined ? { accountId: claims.account_id } : {}),
          },
          body.token_expiry_in_minutes,
          body.refresh_token_expiry_in_minutes,
        ),
      );
    },
  });

  defineRoute(ctx, {
    method: 'get',
    path: '/monitoring/status',
    tags: ['gateway'],
    summary: 'Liveness, Memphis style',
    responses: { 200: { description: 'up', schema: z.object({ status: z.literal('ok') }) } },
    async handler(_input, _req, res) {
      res.json({ status: 'ok' });
    },
  });
}
