import { errorBodySchema } from '@hookline/contracts';
import { defineRoute, HttpError, producerScope } from '@hookline/http';
import type { z } from 'zod';
import { fingerprint } from '../idempotency';
import { idempotencyHeaders, publishEventBody, publishedEventResponse } from '../schemas';
import type { AppContext } from './context';

/**
 * `POST /events {type, data, id?}`: how any web app publishes its own events.
 * Any well-formed type is accepted, catalogued or not: an app's own events reach `*` subscribers
 * and those of types an operator declares (EXTRA_EVENT_TYPES); subscriptions, not publishing, are
 * checked against the catalog.
 */
export function eventRoutes(ctx: AppContext): void {
  const { publisher, idempotency, models, logger, catalog } = ctx;
  defineRoute(ctx, {
    method: 'post',
    path: '/events',
    tags: ['photo-app'],
    summary: 'Publish an event of any well-formed type, once RabbitMQ has confirmed it',
    description:
      'An `Idempotency-Key` header, or else the body `id`, makes a repeat within 24 h return the first response ' +
      '(header `Idempotent-Replayed: true`) and publish nothing.',
    access: ctx.access.publish,
    headers: idempotencyHeaders,
    body: publishEventBody,
    responses: {
      202: { description: 'published', schema: publishedEventResponse },
      409: { description: 'the first request with this key is still running', schema: errorBodySchema },
      422: {
        description:
          "schema_validation_failed: data does not match the type's schema in the catalog (details: one JSON " +
          'pointer and message per violation); or idempotency_key_reused: this key was used with a different request, or an unknown tenant',
        schema: errorBodySchema,
      },
    },
    async handler({ body: parsed }, req, res) {
      // A type with a schema in the catalog publishes only data that matches it: nothing is published otherwise.
      const violations = await catalog.validate(parsed.type, parsed.data);
      if (violations.length > 0)
        throw new HttpError(
          422,
          'schema_validation_failed',
          `data does not match the schema of ${parsed.type}`,
          violations.map((v) => ({ field: v.pointer, message: v.message })),
        );
      const header = req.get('idempotency-key');
      // Each producer key has its own ids and idempotency keys (see producerAuth): '' without keys.
      const scope = producerScope(res);
      const body = { ...parsed, id: scoped(scope, parsed.id, 'id') };
      // The header wins: a client may send its own event id and still scope retries by request.
      const key =
        header === undefined
          ? body.id
          : scoped(
              scope,
              idempotencyHeaders.parse({ 'idempotency-key': header })['idempotency-key'],
              'idempotency-key',
            );

      const publish = async (eventId = body.id) => {
        const event = await publisher.publish(body.type, body.data, eventId, body.tenant);
        const response: z.infer<typeof publishedEventResponse> = {
          id: event.id,
          type: event.type,
          timestamp: event.timestamp,
        };
        return { status: 202, body: response };
      };

      if (body.tenant !== undefined && !(await ctx.tenantExists(body.tenant)))
        throw new HttpError(422, 'unknown_tenant', `tenant ${body.tenant} does not exist`, [
          { field: 'tenant', message: `unknown tenant "${body.tenant}" (create it with POST /tenants)` },
        ]);

      if (key === undefined) {
        const { status, body: response } = await publish();
        res.status(status).json(response);
        return;
      }

      await models.ready();
      const claim = await idempotency.claim(
        key,
        fingerprint({ type: body.type, data: body.data, id: body.id, tenant: body.tenant }),
        body.id,
      );
      switch (claim.outcome) {
        case 'replay':
          res.set('Idempotent-Replayed', 'true').status(claim.response.status).json(claim.response.body);
          return;
        case 'mismatch':
          throw new HttpError(422, 'idempotency_key_reused', 'this idempotency key was used with a different request');
        case 'in_progress':
          throw new HttpError(409, 'idempotency_in_progress', 'a request with this idempotency key is still running');
        case 'claimed':
          break;
      }
      let stored: Awaited<ReturnType<typeof publish>>;
      try {
        stored = await publish(claim.eventId);
      } catch (err) {
        await idempotency.release(key).catch(() => {});
        throw err;
      }
      // The event is in RabbitMQ whatever happens now, so the client hears 202. A key left `pending`
      // makes repeats wait, then answer 409, until it is stale (30 s) and publishes the same event again.
      await idempotency.complete(key, stored).catch((err: unknown) => {
        logger.warn({ err: (err as Error).message, eventId: stored.body.id }, 'photo_app.idempotency_complete_failed');
      });
      res.status(stored.status).json(stored.body);
    },
  });
}

/** `<scope>:<value>` for a keyed producer, so two producers' `order-42` are two different events. */
function scoped<T extends string | undefined>(scope: string, value: T, field: string): T {
  if (!scope || value === undefined) return value;
  const result = `${scope}:${value}`;
  // An event id must still match EVENT_ID_PATTERN (at most 128); an idempotency key is only stored.
  if (field === 'id' && result.length > 128)
    throw new HttpError(400, 'validation_error', 'the request is invalid', [
      { field, message: `must be at most ${127 - scope.length} characters with a producer key` },
    ]);
  return result as T;
}
