import { eventTypeSchema } from '@hookline/contracts';
import { eventSchemaProblem } from '@hookline/event-catalog';
import { defineRoute, HttpError } from '@hookline/http';
import { z } from 'zod';
import type { AppContext } from '../context';

const tags = ['event catalog'];
const DESCRIPTION_MAX_LENGTH = 2000;

const typeParams = z.object({ type: eventTypeSchema });

const putBody = z
  .object({
    description: z.string().min(1).max(DESCRIPTION_MAX_LENGTH),
    schema: z
      .record(z.string(), z.unknown())
      .optional()
      .openapi({ description: 'JSON Schema (draft 2020-12) of the event data; POST /events is checked against it' }),
    deprecated: z.boolean().optional(),
  })
  .superRefine((body, ctx) => {
    if (body.schema === undefined) return;
    const problem = eventSchemaProblem(body.schema);
    if (problem)
      ctx.addIssue({
        code: 'custom',
        path: ['schema', ...(problem.path === '' ? [] : [problem.path])],
        message: problem.message,
      });
  })
  .openapi('EventTypeDefinition', {
    example: {
      description: 'An order was paid',
      schema: { type: 'object', required: ['amount'], properties: { amount: { type: 'number', minimum: 0 } } },
    },
  });

export const eventTypeViewSchema = z
  .object({
    type: z.string(),
    description: z.string(),
    schema: z.record(z.string(), z.unknown()).optional(),
    deprecated: z.boolean(),
    builtIn: z.boolean(),
    updatedAt: z.string().optional(),
  })
  .openapi('EventType');

/**
 * The event catalog: `PUT/GET/DELETE /event-types/:type` and `GET /event-types`. The types that
 * subscriptions may name and, where a type has a schema, the shape `POST /events` enforces.
 */
export function registerEventTypeRoutes(ctx: AppContext): void {
  const { catalog } = ctx;

  defineRoute(ctx, {
    method: 'get',
    path: '/event-types',
    summary: 'The event catalog: built-in types, then the declared ones by name',
    tags,
    // The catalog is shared by every tenant (it describes events, it holds none), so tokens may read it.
    access: ctx.access.tenant,
    responses: { 200: { description: 'every type', schema: z.object({ data: z.array(eventTypeViewSchema) }) } },
    async handler(_input, _req, res) {
      res.json({ data: await catalog.list() });
    },
  });

  defineRoute(ctx, {
    method: 'get',
    path: '/event-types/:type',
    summary: 'One event type with its schema',
    tags,
    // The catalog is shared by every tenant (it describes events, it holds none), so tokens may read it.
    access: ctx.access.tenant,
    params: typeParams,
    responses: { 200: { description: 'found', schema: eventTypeViewSchema }, 404: { description: 'not catalogued' } },
    async handler({ params }, _req, res) {
      const entry = await catalog.get(params.type);
      if (!entry) throw new HttpError(404, 'not_found', `event type ${params.type} is not in the catalog`);
      res.json(entry);
    },
  });

  defineRoute(ctx, {
    access: ctx.access.management,
    method: 'put',
    path: '/event-types/:type',
    summary: 'Declare or replace an event type (schema patterns prone to catastrophic backtracking are refused)',
    tags,
    params: typeParams,
    body: putBody,
    responses: {
      200: { description: 'replaced', schema: eventTypeViewSchema },
      201: { description: 'created', schema: eventTypeViewSchema },
    },
    async handler({ params, body }, _req, res) {
      const { entry, created } = await catalog.put(params.type, body);
      res.status(created ? 201 : 200).json(entry);
    },
  });

  defineRoute(ctx, {
    access: ctx.access.management,
    method: 'delete',
    path: '/event-types/:type',
    summary: 'Remove a declared type (a built-in type returns to its built-in definition)',
    tags,
    params: typeParams,
    responses: {
      204: { description: 'deleted' },
      404: { description: 'not catalogued' },
      409: { description: 'a built-in type with nothing declared over it' },
    },
    async handler({ params }, _req, res) {
      const outcome = await catalog.delete(params.type);
      if (outcome === 'not_found')
        throw new HttpError(404, 'not_found', `event type ${params.type} is not in the catalog`);
      if (outcome === 'built_in')
        throw new HttpError(409, 'built_in_type', `${params.type} is built in and cannot be removed`);
      res.status(204).end();
    },
  });
}
