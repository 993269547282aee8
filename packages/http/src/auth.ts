import { timingSafeEqual } from 'node:crypto';
import type { RequestHandler } from 'express';
import { errorBody } from './errors';
import type { Logger } from './logger';
import { requireJsonContentType } from './request-guard';

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|::ffff:127\.\d+\.\d+\.\d+)$/;

export function isLoopback(address: string | undefined): boolean {
  return LOOPBACK.test(address ?? '');
}

export function equalKeys(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/**
 * Management auth for every management route. With `API_KEYS` set, `Authorization: Bearer <key>`
 * is required (401 otherwise). Without keys Hookline runs in "protected mode", like Redis: only
 * loopback clients are served (403 for others), so a fresh install is never an open admin API.
 */
let warned = false;

export function managementAuth(apiKeys: readonly string[], logger?: Logger): RequestHandler {
  // Said once per process, however many apps it runs.
  if (apiKeys.length === 0 && logger && !warned) {
    warned = true;
    logger.warn('protected mode: API_KEYS is not set, management routes answer loopback clients only');
  }
  const authorize: RequestHandler = (req, res, next) => {
    if (apiKeys.length === 0) {
      if (isLoopback(req.socket.remoteAddress)) return next();
      res
        .status(403)
        .json(
          errorBody('protected_mode', 'API_KEYS is not set: management routes are served to loopback clients only'),
        );
      return;
    }
    const header = req.headers.authorization ?? '';
    const token = header.startsWith('Bearer ') ? header.slice(7).trim() : '';
    if (token && apiKeys.some((k) => equalKeys(k, token))) return next();
    res.status(401).json(errorBody('unauthorized', 'a valid API key is required: Authorization: Bearer <key>'));
  };
  // Ambient trust (loopback, the edge's added key) is what a cross-site form would borrow.
  return (req, res, next) => authorize(req, res, () => requireJsonContentType(req, res, next));
}
