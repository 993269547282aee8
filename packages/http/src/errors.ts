import type { ErrorBody, ErrorDetail } from '@hookline/contracts';
import type { ErrorRequestHandler, RequestHandler } from 'express';
import { ZodError } from 'zod';
import type { Logger } from './logger';

/** Why a JSON body with a `__proto__` key is refused (see jsonBody). */
export const PROTO_KEY_MESSAGE = 'keys named __proto__ are not accepted';

/** An expected failure with an HTTP status and a stable machine-readable code. */
export class HttpError extends Error {
  override readonly name = 'HttpError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: ErrorDetail[],
  ) {
    super(message);
  }
}

/** The longest message or detail an answer carries: it may quote the request, which may be huge. */
export const ERROR_TEXT_MAX = 500;
// A tenant token, a gateway JWT, an HMAC secret or an ed25519 private key, wherever a client pasted one.
const CREDENTIALS = /\b(?:hlt_|whsec_|whsk_)[A-Za-z0-9+/=_.-]+|\beyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*/g;

/**
 * What an error may say of a request: no credential (a token pasted where an id belongs would be
 * echoed in `... is not a subscription id`), and not more than ERROR_TEXT_MAX characters.
 */
export function quotable(text: string): string {
  const clean = text.replace(CREDENTIALS, '[redacted]');
  return clean.length > ERROR_TEXT_MAX ? `${clean.slice(0, ERROR_TEXT_MAX)}…` : clean;
}

/** The one error shape. Every text in it passes through `quotable`. */
export function errorBody(code: string, message: string, details?: ErrorDetail[]): ErrorBody {
  const text = quotable(message);
  if (!details || details.length === 0) return { error: { code, message: text } };
  const safe = details.map((d) => ({
    ...d,
    message: quotable(d.message),
    ...(d.field !== undefined ? { field: quotable(d.field) } : {}),
  }));
  return { error: { code, message: text, details: safe } };
}

/** Every issue of a zod error, one detail per invalid field. */
export function zodDetails(err: ZodError): ErrorDetail[] {
  return err.issues.map((i) => ({ field: i.path.join('.') || undefined, message: i.message }));
}

export const notFound: RequestHandler = (req, res) => {
  res.status(404).json(errorBody('not_found', `no route for ${req.method} ${req.path}`));
};

const DATABASE_DOWN = new Set([
  'MongoNotConnectedError',
  'MongoServerSelectionError',
  'MongooseServerSelectionError',
  'MongoNetworkError',
  'MongoNetworkTimeoutError',
  'MongoTopologyClosedError',
  'MongoPoolClearedError',
  'MongoServerClosedError',
]);

/**
 * Server error codes that mean the server is going away or cannot take writes now (a shutdown, a
 * primary stepping down or unreachable in a replica set), so a retry shortly will do.
 */
const DATABASE_GOING_AWAY = new Set([6, 7, 89, 91, 189, 9001, 10107, 11600, 11602, 13435, 13436]);

/** Labels the driver puts on errors that a retry can fix (a connection reset, a failover). */
const RETRYABLE_LABELS = ['ResetPool', 'RetryableWriteError', 'TransientTransactionError'];

/**
 * Driver errors that mean "MongoDB is not reachable right now": a 503, not a 500.
 *
 * `EPIPE` too: the driver wraps its socket's failures in a MongoNetworkError, except when it writes a
 * command to a connection the server has just closed, where Node's own "This socket has been ended by
 * the other party" (code EPIPE) comes through as it is (seen: a `POST /users` 25 ms after MongoDB was
 * killed answered 500). Nothing else under a route writes to a socket that could throw it: a publish to
 * RabbitMQ fails with the broker's own errors, outgoing HTTP turns its failures into results, and a
 * client that goes away makes its request stream fail with ECONNABORTED or ECONNRESET, never EPIPE.
 */
export function isDatabaseUnavailable(err: unknown, depth = 0): boolean {
  if (typeof err !== 'object' || err === null || depth > 3) return false;
  const e = err as { name?: unknown; code?: unknown; message?: unknown; errorLabels?: unknown; cause?: unknown };
  if (typeof e.name === 'string' && DATABASE_DOWN.has(e.name)) return true;
  if (e.code === 'EPIPE') return true;
  if (typeof e.code === 'number' && e.name !== 'HttpError' && DATABASE_GOING_AWAY.has(e.code)) return true;
  // mongoose queues commands while disconnected and gives up with this after bufferTimeoutMS.
  if (e.name === 'MongooseError' && typeof e.message === 'string' && e.message.includes('buffering timed out'))
    return true;
  const labels = (err as { hasErrorLabel?: (label: string) => boolean }).hasErrorLabel;
  if (typeof labels === 'function' && RETRYABLE_LABELS.some((l) => labels.call(err, l))) return true;
  if (Array.isArray(e.errorLabels) && RETRYABLE_LABELS.some((l) => (e.errorLabels as unknown[]).includes(l)))
    return true;
  // mongoose and the driver wrap the network error they met.
  return isDatabaseUnavailable(e.cause, depth + 1);
}

function isJson(text: string | undefined): boolean {
  if (text === undefined) return false;
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

interface BodyParserError {
  type?: string;
  status?: number;
  limit?: number;
}

/**
 * The last middleware of every app: turns anything thrown into the project's error shape.
 * Expected errors keep their status; body-parser failures become 400/413/415; anything else is
 * logged and answered 500 without internals.
 */
export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (err: unknown, req, res, next) => {
    if (res.headersSent) return next(err);
    if (err instanceof HttpError) {
      res.status(err.status).json(errorBody(err.code, err.message, err.details));
      return;
    }
    if (err instanceof ZodError) {
      res.status(400).json(errorBody('validation_error', 'the request is invalid', zodDetails(err)));
      return;
    }
    if (isDatabaseUnavailable(err)) {
      res.status(503).json(errorBody('database_unavailable', 'the database is unavailable, try again shortly'));
      return;
    }
    // By name, not class: packages/http does not depend on the broker (an UnroutableMessageError is one of them).
    if (['BrokerUnavailableError', 'UnroutableMessageError'].includes((err as Error)?.name)) {
      res.status(503).json(errorBody('broker_unavailable', 'RabbitMQ is unavailable, try again shortly'));
      return;
    }
    const bp = err as BodyParserError;
    if (bp?.type === 'entity.parse.failed' && (err as Error).message === PROTO_KEY_MESSAGE) {
      res.status(400).json(errorBody('invalid_body', PROTO_KEY_MESSAGE));
      return;
    }
    if (bp?.type === 'entity.parse.failed') {
      // Strict parsing refuses valid JSON that is not an object or array (`null`, `"text"`): say so.
      res
        .status(400)
        .json(
          isJson((err as { body?: string }).body)
            ? errorBody('invalid_body', 'the request body must be a JSON object')
            : errorBody('invalid_json', 'the request body is not valid JSON'),
        );
      return;
    }
    if (bp?.type === 'entity.too.large') {
      res
        .status(413)
        .json(errorBody('payload_too_large', `the request body exceeds ${bp.limit ?? 'the limit of'} bytes`));
      return;
    }
    if (bp?.type === 'encoding.unsupported' || bp?.type === 'charset.unsupported') {
      res.status(415).json(errorBody('unsupported_encoding', 'the request body encoding is not supported'));
      return;
    }
    if (typeof bp?.status === 'number' && bp.status >= 400 && bp.status < 500) {
      res.status(bp.status).json(errorBody('bad_request', (err as Error).message));
      return;
    }
    logger.error({ err, method: req.method, path: req.path }, 'http.unhandled_error');
    res.status(500).json(errorBody('internal_error', 'an unexpected error occurred'));
  };
}
