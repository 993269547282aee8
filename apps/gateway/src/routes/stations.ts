import { TENANT_ID_PATTERN } from '@hookline/contracts';
import { counter, type Logger } from '@hookline/http';
import express, { type Request, type RequestHandler, type Response, Router } from 'express';
import { consumeBody, MAX_BATCH_ITEMS, stationNameInput } from '../api';
import { readRawBody, StationError, stationRoute, zodSummary } from '../memphis';
import {
  type BodyKind,
  bodyKind,
  messageHeaders,
  type PulledMessage,
  parseJsonBody,
  type StationMessage,
  stationMessage,
} from '../message';
import type { StationPublisher } from '../station-publisher';
import type { StationPuller } from '../station-puller';
import type { StationSchemas } from '../station-schemas';
import type { GatewayClaims } from '../tokens';

/** A single message is at most 1 MB (Memphis' own default maximum message size). */
export const SINGLE_BODY_LIMIT = 1024 * 1024;
/** A batch is at most 5 MB of JSON and at most 1,000 items. */
export const BATCH_BODY_LIMIT = 5 * 1024 * 1024;

const produced = counter('hookline_gateway_messages_total', 'station messages by outcome', ['outcome']);

export interface StationDeps {
  publisher: StationPublisher;
  puller: StationPuller;
  schemas: StationSchemas;
  logger: Logger;
  requireToken: RequestHandler;
  /** Each open pull holds a channel: one user holds at most this many at once (per instance). */
  maxLongPollsPerUser?: number;
  /** Whether a tenant exists: a produce naming an unknown one is refused. */
  tenantExists(tenant: string): Promise<boolean>;
}

/**
 * The tenant a produce request names: the `Hookline-Tenant` header, or `?tenant=` for senders that
 * cannot add headers (a third party given a webhook URL, as Memphis clients are given
 * `?authorization=`). Its station event then reaches only that tenant's subscriptions; without one
 * it reaches every tenant's (pull consumers get it either way: consumer groups are not per tenant).
 */
async function tenantOf(req: Request, deps: StationDeps): Promise<string | undefined> {
  const header = req.headers['hookline-tenant'];
  const query = req.query.tenant;
  const named = typeof header === 'string' ? header : query;
  if (named === undefined) return undefined;
  if (typeof named !== 'string' || !TENANT_ID_PATTERN.test(named))
    throw new StationError(400, 'invalid tenant: must be 1 to 64 letters, digits, _ or -');
  if (!(await deps.tenantExists(named))) throw new StationError(400, `unknown tenant ${named}`);
  return named;
}

function stationOf(req: Request): string {
  const parsed = stationNameInput.safeParse(req.params.station);
  if (!parsed.success) throw new StationError(400, `invalid station name: ${zodSummary(parsed.error)}`);
  return parsed.data;
}

function schemaFailure(reason: string): StationError {
  return new StationError(400, `Schema validation has failed: ${reason}`);
}

/** `produce/single`, `produce/batch` and `consume/batch`: JWT auth, Memphis shapes. */
export function stationRoutes(deps: StationDeps): Router {
  const router = Router();
  const { logger } = deps;

  async function validate(station: string, kind: BodyKind, body: Buffer, parsed?: unknown): Promise<string | null> {
    const validator = await deps.schemas.validatorFor(station);
    return validator ? validator(kind, body, parsed) : null;
  }

  router.post(
    '/stations/:station/produce/single',
    deps.requireToken,
    stationRoute(logger, async (req, res) => {
      const station = stationOf(req);
      const tenant = await tenantOf(req, deps);
      const contentType = req.headers['content-type'] ?? '';
      const kind = bodyKind(contentType);
      if (!kind) throw new StationError(415, 'unsupported content type');
      const body = await readRawBody(req, res, SINGLE_BODY_LIMIT);
      let parsed: unknown;
      if (kind === 'json') {
        const result = parseJsonBody(body);
        if (!result.ok) throw new StationError(400, `the body is not valid JSON: ${result.reason}`);
        parsed = result.value;
      }
      const failure = await validate(station, kind, body, parsed);
      if (failure) {
        produced.inc({ outcome: 'invalid' });
        throw schemaFailure(failure);
      }
      await deps.publisher.publish(
        station,
        stationMessage(kind, contentType, body, messageHeaders(req.headers), parsed),
        tenant,
      );
      produced.inc({ outcome: 'sent' });
      res.json({ error: null, success: true });
    }),
  );

  /**
   * Per item: every item is validated first; the valid ones are then published (each confirmed),
   * the invalid ones reported in `errors`. `success` is true only when every item was sent.
   */
  router.post(
    '/stations/:station/produce/batch',
    deps.requireToken,
    stationRoute(logger, async (req, res) => {
      const station = stationOf(req);
      const tenant = await tenantOf(req, deps);
      const contentType = req.headers['content-type'] ?? '';
      if (bodyKind(contentType) !== 'json') throw new StationError(415, 'unsupported content type');
      const parsed = parseJsonBody(await readRawBody(req, res, BATCH_BODY_LIMIT));
      if (!parsed.ok) throw new StationError(400, `the body is not valid JSON: ${parsed.reason}`);
      const items = parsed.value;
      if (!Array.isArray(items)) throw new StationError(400, 'the body must be a JSON array of messages');
      if (items.length === 0) throw new StationError(400, 'the batch is empty');
      if (items.length > MAX_BATCH_ITEMS)
        throw new StationError(400, `a batch holds at most ${MAX_BATCH_ITEMS} messages, got ${items.length}`);

      const headers = messageHeaders(req.headers);
      const errors: string[] = [];
      const ready: StationMessage[] = [];
      for (const [i, item] of items.entries()) {
        // Each item travels as its own compact JSON text (not a slice of the request bytes).
        const body = Buffer.from(JSON.stringify(item));
        const failure = await validate(station, 'json', body, item);
        if (failure) errors.push(`message ${i}: Schema validation has failed: ${failure}`);
        else ready.push(stationMessage('json', 'application/json', body, headers, item));
      }
      // Published together so confirms pipeline; one channel keeps them in order.
      const results = await Promise.allSettled(ready.map((m) => deps.publisher.publish(station, m, tenant)));
      const sent = results.filter((r) => r.status === 'fulfilled').length;
      const brokerFailures = results.length - sent;
      if (brokerFailures > 0) errors.push(`${brokerFailures} message(s) not sent: the broker is unavailable`);
      const fail = items.length - sent;
      produced.inc({ outcome: 'sent' }, sent);
      if (fail > 0) produced.inc({ outcome: brokerFailures > 0 ? 'unavailable' : 'invalid' }, fail);
      const status = fail === 0 ? 200 : brokerFailures > 0 ? 503 : 400;
      res.status(status).json({
        success: fail === 0,
        error: fail === 0 ? null : `${fail} of ${items.length} messages were not produced`,
        sent,
        fail,
        errors,
      });
    }),
  );

  const consumeJson = express.json({ limit: '16kb', type: () => true });
  const polls = new Map<string, number>();
  const maxPolls = deps.maxLongPollsPerUser ?? Number.POSITIVE_INFINITY;
  router.post(
    '/stations/:station/consume/batch',
    deps.requireToken,
    stationRoute(logger, async (req, res) => {
      const station = stationOf(req);
      await new Promise<void>((resolve, reject) =>
        consumeJson(req, res, (err?: unknown) => (err ? reject(jsonError(err)) : resolve())),
      );
      const parsed = consumeBody.safeParse(req.body ?? {});
      if (!parsed.success) throw new StationError(400, zodSummary(parsed.error));
      const { consumer_name, consumer_group, batch_size, batch_max_wait_time_ms } = parsed.data;
      const user = (res.locals.gatewayClaims as GatewayClaims).sub;
      const open = polls.get(user) ?? 0;
      if (open >= maxPolls) {
        throw new StationError(429, `too many concurrent long polls for this user (at most ${maxPolls}): wait for one`);
      }
      polls.set(user, open + 1);
      // Released when the answer is out (the client may ask again at once), or at the latest when done.
      let released = false;
      const release = () => {
        if (released) return;
        released = true;
        const left = (polls.get(user) ?? 1) - 1;
        if (left > 0) polls.set(user, left);
        else polls.delete(user);
      };
      res.once('finish', release);
      const gone = new AbortController();
      res.once('close', () => gone.abort());
      try {
        await deps.puller.pull(
          station,
          consumer_group ?? consumer_name,
          { batchSize: batch_size, maxWaitMs: batch_max_wait_time_ms, signal: gone.signal },
          (messages) => respond(res, messages),
        );
      } finally {
        release();
      }
    }),
  );
  return router;
}

function jsonError(err: unknown): unknown {
  const type = (err as { type?: string }).type;
  return type === 'entity.parse.failed' ? new StationError(400, 'the body is not valid JSON') : err;
}

/** Writes the messages; true once the response was handed to the network in full. */
function respond(res: Response, messages: PulledMessage[]): Promise<boolean> {
  if (res.destroyed || res.writableEnded) return Promise.resolve(false);
  return new Promise((resolve) => {
    res.once('finish', () => resolve(true));
    res.once('close', () => resolve(res.writableFinished));
    res.json(messages);
  });
}
