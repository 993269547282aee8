import type { Logger } from '@hookline/http';
import express, { type Request, type Response, Router } from 'express';
import type { ZodError } from 'zod';
import { authenticateBody, refreshBody } from '../api';
import { UNAUTHORIZED } from '../memphis';
import type { TokenService } from '../tokens';
import type { GatewayUsers } from '../users';

const json = express.json({ limit: '16kb', type: () => true });

/** Memphis answers an invalid auth body with `{"message": [{"field", "reason"}]}`. */
function invalid(res: Response, fields: { field: string; reason: string }[]): void {
  res.status(400).json({ message: fields });
}

function zodFields(err: ZodError): { field: string; reason: string }[] {
  return err.issues.map((i) => ({ field: i.path.join('.') || 'body', reason: i.message }));
}

/** Parses the JSON body, answering bad JSON itself; resolves undefined when it has answered. */
function readJson(req: Request, res: Response): Promise<unknown> {
  return new Promise((resolve) => {
    json(req, res, (err?: unknown) => {
      if (!err) return resolve(req.body ?? {});
      const status = (err as { status?: number }).status === 413 ? 413 : 400;
      res.status(status).json({ message: [{ field: 'body', reason: (err as Error).message }] });
      resolve(undefined);
    });
  });
}

/** `POST /auth/authenticate` and `POST /auth/refreshToken`, open routes, Memphis shapes. */
export function authRoutes(deps: { users: GatewayUsers; tokens: TokenService; logger: Logger }): Router {
  const router = Router();
  router.post('/auth/authenticate', async (req, res) => {
    const raw = await readJson(req, res);
    if (raw === undefined) return;
    const parsed = authenticateBody.safeParse(raw);
    if (!parsed.success) return invalid(res, zodFields(parsed.error));
    const body = parsed.data;
    if (req.query.accountId !== undefined && typeof req.query.accountId !== 'string') {
      return invalid(res, [{ field: 'accountId', reason: 'give accountId at most once, as a plain value' }]);
    }
    const queryAccount = req.query.accountId;
    const accountId =
      body.account_id ?? (queryAccount && /^\d+$/.test(queryAccount) ? Number(queryAccount) : queryAccount);
    const tokenVersion = (await deps.users.verify(body.username, body.password))
      ? await deps.users.tokenVersion(body.username)
      : null;
    if (tokenVersion === null) {
      deps.logger.info({ username: body.username }, 'gateway.authentication_failed');
      res.status(401).json(UNAUTHORIZED);
      return;
    }
    res.json(
      deps.tokens.issue(
        { username: body.username, tokenVersion, ...(accountId !== undefined ? { accountId } : {}) },
        body.token_expiry_in_minutes,
        body.refresh_token_expiry_in_minutes,
      ),
    );
  });

  router.post('/auth/refreshToken', async (req, res) => {
    const raw = await readJson(req, res);
    if (raw === undefined) return;
    const parsed = refreshBody.safeParse(raw);
    if (!parsed.success) return invalid(res, zodFields(parsed.error));
    const claims = deps.tokens.verifyRefresh(parsed.data.jwt_refresh_token);
    // A user removed or whose password changed since the token was issued gets no new one; nor does
    // a refresh token used before (each exchange gives a new one: a stolen copy works at most once).
    const tokenVersion = claims ? await deps.users.tokenVersion(claims.sub) : null;
    if (
      !claims?.jti ||
      tokenVersion !== claims.ver ||
      !(await deps.users.useRefreshToken(claims.jti, new Date((claims.exp ?? 0) * 1000)))
    ) {
      res.status(401).json(UNAUTHORIZED);
      return;
    }
    res.json(
      deps.tokens.issue(
        {
          username: claims.sub,
          tokenVersion,
          ...(claims.account_id !== undefined ? { accountId: claims.account_id } : {}),
        },
        parsed.data.token_expiry_in_minutes,
        parsed.data.refresh_token_expiry_in_minutes,
      ),
    );
  });
  return router;
}
