import { createHash } from 'node:crypto';
import type { RequestHandler, Response } from 'express';
import { equalKeys, isLoopback } from './auth';
import { errorBody } from './errors';

/**
 * Who may publish events (`POST /events`). Producers get their own keys, `PRODUCER_KEYS`, that may
 * only publish: a producer key lives in every app that emits events (many configs, many people), so
 * when one leaks it forges events but cannot read secrets, create subscriptions or replay
 * deliveries. Management keys (`API_KEYS`) publish too. With neither set, publishing follows
 * protected mode: loopback clients only.
 *
 * Each key is its own producer: its caller-chosen event ids and idempotency keys live in a scope of
 * their own (`producerScope`), so one producer cannot claim another's ids ahead of it.
 */
export function producerAuth(producerKeys: readonly string[], apiKeys: readonly string[]): RequestHandler {
  const keys = [...producerKeys, ...apiKeys];
  return (req, res, next) => {
    if (keys.length === 0) {
      if (isLoopback(req.socket.remoteAddress)) {
        res.locals.producerScope = '';
        return next();
      }
      res
        .status(403)
        .json(errorBody('protected_mode', 'no PRODUCER_KEYS or API_KEYS set: events are accepted from loopback only'));
      return;
    }
    const header = req.headers.authorization ?? '';
    const token = header.startsWith('Bearer ') ? header.slice(7).trim() : '';
    if (token && keys.some((k) => equalKeys(k, token))) {
      res.locals.producerScope = scopeOf(token);
      return next();
    }
    res
      .status(401)
      .json(errorBody('unauthorized', 'a producer key is required to publish: Authorization: Bearer <key>'));
  };
}

/** A stable, short name for a key's scope that does not reveal the key (it is stored with records). */
function scopeOf(key: string): string {
  return `p${createHash('sha256').update(key).digest('hex').slice(0, 10)}`;
}

/** The scope producerAuth gave this request: '' when no keys are configured (one local producer). */
export function producerScope(res: Response): string {
  return typeof res.locals.producerScope === 'string' ? res.locals.producerScope : '';
}
