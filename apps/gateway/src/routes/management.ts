import { errorBodySchema } from '@hookline/contracts';
import { defineRoute, HttpError } from '@hookline/http';
import { z } from 'zod';
import { changePasswordBody, createUserBody, stationParams, stationSchemaInput, userParams } from '../schemas';
import { SchemaCompileError } from '../station-schema-store';
import type { AppContext } from './context';

const error = (description: string) => ({ description, schema: errorBodySchema });

/**
 * Hookline's own management routes for the gateway (not Memphis API): behind the management auth of
 * the other apps and answering in the project error shape.
 */
export function managementRoutes(ctx: AppContext): void {
  const { users, schemas } = ctx;
  const access = ctx.access.management;

  defineRoute(ctx, {
    method: 'post',
    path: '/gateway/users',
    tags: ['gateway'],
    summary: 'Create a gateway user (who may get a JWT)',
    access,
    body: createUserBody,
    responses: {
      201: { description: 'created', schema: z.object({ username: z.string(), created_at: z.string() }) },
      400: error('invalid user name or password'),
      409: error('the user exists'),
    },
    async handler({ body: { username, password } }, _req, res) {
      const result = await users.create(username, password);
      if (result.outcome === 'exists') throw new HttpError(409, 'conflict', `gateway user ${username} already exists`);
      res.status(201).json({ username: result.username, created_at: result.created_at.toISOString() });
    },
  });

  // A new password refuses every token issued before it (tokens carry the user's token version).
  defineRoute(ctx, {
    method: 'put',
    path: '/gateway/users/:username',
    tags: ['gateway'],
    summary: "Change a gateway user's password; every token issued before is refused",
    access,
    params: userParams,
    body: changePasswordBody,
    responses: {
      200: { description: 'changed', schema: z.object({ username: z.string(), updated_at: z.string() }) },
      400: error('invalid password'),
      404: error('no such user'),
    },
    async handler({ params: { username }, body: { password } }, _req, res) {
      if (!(await users.setPassword(username, password)))
        throw new HttpError(404, 'not_found', `no gateway user ${username}`);
      res.json({ username, updated_at: new Date().toISOString() });
    },
  });

  defineRoute(ctx, {
    method: 'delete',
    path: '/gateway/users/:username',
    tags: ['gateway'],
    summary: "Delete a gateway user; the user's tokens are refused from then on",
    access,
    params: userParams,
    responses: { 204: { description: 'deleted' }, 404: error('no such user') },
    async handler({ params: { username } }, _req, res) {
      if (!(await users.remove(username))) throw new HttpError(404, 'not_found', `no gateway user ${username}`);
      res.status(204).end();
    },
  });

  defineRoute(ctx, {
    method: 'put',
    path: '/stations/:station/schema',
    tags: ['gateway'],
    summary: 'Attach a JSON Schema or protobuf schema to a station',
    access,
    params: stationParams,
    body: stationSchemaInput,
    responses: {
      200: { description: 'the schema', schema: stationSchemaInput },
      400: error('invalid station name or schema'),
    },
    async handler({ params: { station }, body }, _req, res) {
      try {
        const stored = await schemas.put(station, body);
        res.json({ station, ...stored.schema, updated_at: stored.updated_at.toISOString() });
      } catch (err) {
        if (err instanceof SchemaCompileError) throw new HttpError(400, 'invalid_schema', err.message);
        throw err;
      }
    },
  });

  defineRoute(ctx, {
    method: 'get',
    path: '/stations/:station/schema',
    tags: ['gateway'],
    summary: "A station's schema",
    access,
    params: stationParams,
    responses: {
      200: { description: 'the schema', schema: stationSchemaInput },
      400: error('invalid station name'),
      404: error('no schema'),
    },
    async handler({ params: { station } }, _req, res) {
      const stored = await schemas.get(station);
      if (!stored) throw new HttpError(404, 'not_found', `station ${station} has no schema`);
      res.json({ station, ...stored.schema, updated_at: stored.updated_at.toISOString() });
    },
  });

  defineRoute(ctx, {
    method: 'delete',
    path: '/stations/:station/schema',
    tags: ['gateway'],
    summary: "Remove a station's schema",
    access,
    params: stationParams,
    responses: { 204: { description: 'removed' }, 400: error('invalid station name'), 404: error('no schema') },
    async handler({ params: { station } }, _req, res) {
      if (!(await schemas.remove(station))) throw new HttpError(404, 'not_found', `station ${station} has no schema`);
      res.status(204).end();
    },
  });
}
