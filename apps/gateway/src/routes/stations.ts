import { TENANT_ID_PATTERN } from '@hookline/contracts';
import { counter, defineRoute } from '@hookline/http';
import type { Request, Response } from 'express';
import { z } from 'zod';
import { readRawBody, StationError } from '../memphis';
import {
  type BodyKind,
  bodyKind,
  messageHeaders,
  type PulledMessage,
  parseJsonBody,
  type StationMessage,
  stationMessage,
} from '../message';
import {
  batchResponse,
  consumeBody,
  MAX_BATCH_ITEMS,
  produceResponse,
  pulledMessages,
  stationErrorResponse,
  stationParams,
} from '../schemas';
import type { GatewayClaims } from '../tokens';
import type { AppContext } from './context';

/** A single message is at most 1 MB (Memphis' own default maximum message size). */
export const SINGLE_BODY_LIMIT = 1024 * 1024;
/** A batch is at most 5 MB of JSON and at most 1,000 items. */
export const BATCH_BODY_LIMIT = 5 * 1024 * 1024;

const produced = counter('hookline_gateway_messages_total', 'station messages by outcome', ['outcome']);

/**
 * The tenant a produce request names: the `Hookline-Tenant` header, or `?tenant=` for senders that
 * cannot add headers (a third party given a webhook URL, as Memphis clients are given
 * `?authorization=`). Its station event then reaches only that tenant's subscriptions; without one
 * it reaches every tenant's (pull consumers get it either way: consumer groups are not per tenant).
 */
async function tenantOf(req: Request, ctx: AppContext): Promise<string | undefined> {
  const header = req.headers['hookline-tenant'];
  const query = req.query.tenant;
  const named = typeof header === 'string' ? header : query;
  if (named === undefined) return undefined;
  if (typeof named !== 'string' || !TENANT_ID_PATTERN.test(named))
    throw new StationError(400, 'invalid tenant: must be 1 to 64 letters, digits, _ or -');
  if (!(await ctx.tenantExists(named))) throw new StationError(400, `unknown tenant ${named}`);
  return named;
}

function schemaFailure(reason: string): StationError {
  return new StationError(400, `Schema validation has failed: ${reason}`);
}

const tokenQuery = z.object({
  authorization: z.string().optional().openapi({ description: 'the JWT, for senders that cannot set headers' }),
});
const stationError = (description: string) => ({ description, schema: stationErrorResponse });

/** `produce/single`, `produce/batch` and `consume/batch`: JWT auth, Memphis shapes. */
export function stationRoutes(ctx: AppContext): void {
  const access = ctx.access.stations;

  async function validate(station: string, kind: BodyKind, body: Buffer, parsed?: unknown): Promise<string | null> {
    const validator = await ctx.schemas.validatorFor(station);
    return validator ? validator(kind, body, parsed) : null;
  }

  defineRoute(ctx, {
    method: 'post',
    path: '/stations/:station/produce/single',
    tags: ['gateway'],
    summary: 'Produce one message (a webhook) to a station',
    access,
    params: stationParams,
    query: tokenQuery,
    ownBody: {
      'application/json': z.unknown(),
      'text/plain': z.string(),
      'application/x-protobuf': z.string().openapi({ format: 'binary' }),
    },
    responses: {
      200: { description: 'confirmed by RabbitMQ', schema: produceResponse },
      400: stationError('bad station name, invalid JSON or "Schema validation has failed: ..."'),
      413: stationError('body over 1 MB'),
      415: stationError('unsupported content type'),
      503: stationError('RabbitMQ unavailable'),
    },
    async handler({ params: { station } }, req, res) {
      const tenant = await tenantOf(req, ctx);
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
      await ctx.publisher.publish(
        station,
        stationMessage(kind, contentType, body, messageHeaders(req.headers), parsed),
        tenant,
      );
      produced.inc({ outcome: 'sent' });
      res.json({ error: null, success: true });
    },
  });

  /**
   * Per item: every item is validated first; the valid ones are then published (each confirmed),
   * the invalid ones reported in `errors`. `success` is true only when every item was sent.
   */
  defineRoute(ctx, {
    method: 'post',
    path: '/stations/:station/produce/batch',
    tags: ['gateway'],
    summary: 'Produce a JSON array of messages (at most 1,000), per item',
    access,
    params: stationParams,
    query: tokenQuery,
    ownBody: { 'application/json': z.array(z.unknown()) },
    responses: {
      200: { description: 'every message sent', schema: batchResponse },
      400: {
        description: 'some or all messages invalid, or a bad batch',
        schema: batchResponse.or(stationErrorResponse),
      },
      503: {
        description: 'RabbitMQ unavailable (some messages may have been sent)',
        schema: batchResponse.or(stationErrorResponse),
      },
    },
    async handler({ params: { station } }, req, res) {
      const tenant = await tenantOf(req, ctx);
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
      const results = await Promise.allSettled(ready.map((m) => ctx.publisher.publish(station, m, tenant)));
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
    },
  });

  const polls = new Map<string, number>();
  const maxPolls = ctx.maxLongPollsPerUser ?? Number.POSITIVE_INFINITY;
  defineRoute(ctx, {
    method: 'post',
    path: '/stations/:station/consume/batch',
    tags: ['gateway'],
    summary: 'Pull messages for a consumer group (acked once returned)',
    access,
    params: stationParams,
    query: tokenQuery,
    body: consumeBody,
    responses: {
      200: { description: 'up to batch_size messages (possibly none)', schema: pulledMessages },
      400: stationError('invalid request'),
      503: stationError('RabbitMQ unavailable'),
    },
    async handler({ params: { station }, body }, _req, res) {
      const { consumer_name, consumer_group, batch_size, batch_max_wait_time_ms } = body;
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
        await ctx.puller.pull(
          station,
          consumer_group ?? consumer_name,
          { batchSize: batch_size, maxWaitMs: batch_max_wait_time_ms, signal: gone.signal },
          (messages) => respond(res, messages),
        );
      } finally {
        release();
      }
    },
  });
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
