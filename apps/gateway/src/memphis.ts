import { BrokerUnavailableError } from '@hookline/broker';
import { isDatabaseUnavailable, type Logger, redactedUrl } from '@hookline/http';
import express, { type Request, type RequestHandler, type Response } from 'express';
import type { ZodError } from 'zod';

/**
 * The station routes answer in the Memphis REST gateway's shapes, not the project error shape, so
 * clients written for Memphis keep working: `{"success": false, "error": "..."}` on failure and
 * `{"message": "Unauthorized"}` for a missing or bad token.
 */
export class StationError extends Error {
  override readonly name = 'StationError';
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export const UNAUTHORIZED = { message: 'Unauthorized' } as const;

export function sendStationError(res: Response, status: number, error: string): void {
  res.status(status).json({ success: false, error });
}

/** One readable line out of a zod error: `field: reason; field: reason`. */
export function zodSummary(err: ZodError): string {
  return err.issues.map((i) => (i.path.length > 0 ? `${i.path.join('.')}: ${i.message}` : i.message)).join('; ');
}

interface BodyParserError {
  type?: string;
  status?: number;
  limit?: number;
}

/** Status and message for anything a station route throws. */
export function stationFailure(err: unknown): { status: number; message: string } {
  if (err instanceof StationError) return { status: err.status, message: err.message };
  if (err instanceof BrokerUnavailableError)
    return { status: 503, message: 'the broker is unavailable, try again shortly' };
  if (isDatabaseUnavailable(err)) return { status: 503, message: 'the database is unavailable, try again shortly' };
  const bp = err as BodyParserError;
  if (bp?.type === 'entity.too.large')
    return { status: 413, message: `the request body exceeds the limit of ${bp.limit ?? '?'} bytes` };
  if (bp?.type === 'encoding.unsupported') return { status: 415, message: 'unsupported content encoding' };
  if (typeof bp?.status === 'number' && bp.status >= 400 && bp.status < 500)
    return { status: bp.status, message: (err as Error).message };
  return { status: 500, message: 'an unexpected error occurred' };
}

/**
 * Runs a station handler and answers every failure in the Memphis shape. Bodies are read inside
 * the handler (readRawBody), so body-size and encoding errors land here too, never in the project's
 * error handler.
 */
export function stationRoute(logger: Logger, handler: (req: Request, res: Response) => Promise<void>): RequestHandler {
  return async (req, res) => {
    try {
      await handler(req, res);
    } catch (err) {
      const { status, message } = stationFailure(err);
      // Never req.url as is: the query string may carry the token.
      if (status === 500)
        logger.error({ err, method: req.method, url: redactedUrl(req.originalUrl) }, 'gateway.unhandled_error');
      if (!res.headersSent) sendStationError(res, status, message);
    }
  };
}

/** An invalid `/auth/*` body: Memphis answers `{"message": [{"field", "reason"}]}`. */
export class MemphisFieldsError extends Error {
  override readonly name = 'MemphisFieldsError';
  constructor(
    readonly fields: { field: string; reason: string }[],
    readonly status = 400,
  ) {
    super(fields.map((f) => `${f.field}: ${f.reason}`).join('; '));
  }
}

/**
 * Runs an `/auth/*` handler: an unreadable or invalid body is answered in the Memphis shape; anything
 * else (MongoDB down) goes to the project's error handler, as before the body was read.
 */
export function memphisAuthRoute(handler: (req: Request, res: Response) => Promise<void>): RequestHandler {
  return async (req, res, next) => {
    try {
      await handler(req, res);
    } catch (err) {
      if (err instanceof MemphisFieldsError) {
        res.status(err.status).json({ message: err.fields });
        return;
      }
      next(err);
    }
  };
}

const rawParsers = new Map<number, RequestHandler>();

/** The request body, byte for byte (after any content-encoding is undone), at most `limit` bytes. */
export function readRawBody(req: Request, res: Response, limit: number): Promise<Buffer> {
  let parser = rawParsers.get(limit);
  if (!parser) {
    parser = express.raw({ type: () => true, limit });
    rawParsers.set(limit, parser);
  }
  const parse = parser;
  return new Promise((resolve, reject) => {
    parse(req, res, (err?: unknown) => {
      if (err) reject(err);
      else resolve(Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0));
    });
  });
}
