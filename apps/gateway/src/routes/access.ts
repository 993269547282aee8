import { errorBodySchema } from '@hookline/contracts';
import { type Logger, managementAuth, type RouteAccess } from '@hookline/http';
import express, { type RequestHandler } from 'express';
import { z } from 'zod';
import { MemphisFieldsError, memphisAuthRoute, StationError, stationRoute, zodSummary } from '../memphis';

/** The security scheme of the station routes: a JWT from POST /auth/authenticate. */
export const GATEWAY_JWT = 'gatewayJwt';

/**
 * Who may call the gateway's routes and in which shape they answer. `auth` and `stations` speak the
 * Memphis REST gateway's shapes, so clients written for Memphis keep working; `management` is
 * Hookline's own (management auth and the project error shape).
 */
export interface GatewayAccess {
  /** `/auth/*`: open; a bad body is `{"message": [{"field", "reason"}]}`. */
  auth: RouteAccess;
  /** `/stations/:station/produce|consume`: a JWT; failures are `{"success": false, "error"}`. */
  stations: RouteAccess;
  /** Gateway users and station schemas: API keys, the project error shape. */
  management: RouteAccess;
}

const unauthorized = {
  description: 'missing, invalid or expired token',
  schema: z.object({ message: z.literal('Unauthorized') }),
};
const managementError = (description: string) => ({ description, schema: errorBodySchema });

/** Small JSON bodies of any content type (Memphis clients do not always say application/json). */
const anyJson = express.json({ limit: '16kb', type: () => true });

export function gatewayAccess(deps: {
  apiKeys: readonly string[];
  logger: Logger;
  requireToken: RequestHandler;
}): GatewayAccess {
  return {
    auth: {
      // A body that cannot be read (bad JSON, too large) is a field error of `body`.
      bodyParser: (req, res, next) =>
        anyJson(req, res, (err?: unknown) =>
          next(
            err &&
              new MemphisFieldsError(
                [{ field: 'body', reason: (err as Error).message }],
                (err as { status?: number }).status === 413 ? 413 : 400,
              ),
          ),
        ),
      invalid: (_part, error) =>
        new MemphisFieldsError(error.issues.map((i) => ({ field: i.path.join('.') || 'body', reason: i.message }))),
      run: memphisAuthRoute,
      errors: {
        400: {
          description: 'invalid body',
          schema: z.object({ message: z.array(z.object({ field: z.string(), reason: z.string() })) }),
        },
        401: unauthorized,
      },
    },
    stations: {
      guard: deps.requireToken,
      security: [{ [GATEWAY_JWT]: [] }],
      bodyParser: (req, res, next) =>
        anyJson(req, res, (err?: unknown) =>
          next(
            (err as { type?: string } | undefined)?.type === 'entity.parse.failed'
              ? new StationError(400, 'the body is not valid JSON')
              : err,
          ),
        ),
      invalid: (part, error) =>
        new StationError(
          400,
          part === 'params'
            ? `invalid station name: ${error.issues.map((i) => i.message).join('; ')}`
            : zodSummary(error),
        ),
      run: (handle) => stationRoute(deps.logger, handle),
      errors: { 401: unauthorized },
    },
    management: {
      guard: managementAuth(deps.apiKeys, deps.logger),
      security: [{ apiKey: [] }],
      // Every refused field, a path parameter's too, is a `validation_error` listing it.
      invalid: (_part, error) => error,
      errors: { 401: managementError('missing or wrong API key') },
    },
  };
}
