import { HttpError, jsonBody } from '@hookline/http';
import { type RequestHandler, Router } from 'express';
import { changePasswordBody, createUserBody, stationParams, stationSchemaInput, userParams } from '../api';
import { SchemaCompileError, type StationSchemas } from '../station-schemas';
import type { GatewayUsers } from '../users';

/**
 * Hookline's own management routes for the gateway (not Memphis API): behind the management auth of
 * the other apps and answering in the project error shape.
 */
export function managementRoutes(deps: { users: GatewayUsers; schemas: StationSchemas; auth: RequestHandler }): Router {
  const router = Router();

  router.post('/gateway/users', deps.auth, jsonBody, async (req, res) => {
    const { username, password } = createUserBody.parse(req.body ?? {});
    const result = await deps.users.create(username, password);
    if (result.outcome === 'exists') throw new HttpError(409, 'conflict', `gateway user ${username} already exists`);
    res.status(201).json({ username: result.username, created_at: result.created_at.toISOString() });
  });

  // A new password refuses every token issued before it (tokens carry the user's token version).
  router.put('/gateway/users/:username', deps.auth, jsonBody, async (req, res) => {
    const { username } = userParams.parse(req.params);
    const { password } = changePasswordBody.parse(req.body ?? {});
    if (!(await deps.users.setPassword(username, password)))
      throw new HttpError(404, 'not_found', `no gateway user ${username}`);
    res.json({ username, updated_at: new Date().toISOString() });
  });

  router.delete('/gateway/users/:username', deps.auth, async (req, res) => {
    const { username } = userParams.parse(req.params);
    if (!(await deps.users.remove(username))) throw new HttpError(404, 'not_found', `no gateway user ${username}`);
    res.status(204).end();
  });

  router.put('/stations/:station/schema', deps.auth, jsonBody, async (req, res) => {
    const { station } = stationParams.parse(req.params);
    const input = stationSchemaInput.parse(req.body ?? {});
    try {
      const stored = await deps.schemas.put(station, input);
      res.json({ station, ...stored.schema, updated_at: stored.updated_at.toISOString() });
    } catch (err) {
      if (err instanceof SchemaCompileError) throw new HttpError(400, 'invalid_schema', err.message);
      throw err;
    }
  });

  router.get('/stations/:station/schema', deps.auth, async (req, res) => {
    const { station } = stationParams.parse(req.params);
    const stored = await deps.schemas.get(station);
    if (!stored) throw new HttpError(404, 'not_found', `station ${station} has no schema`);
    res.json({ station, ...stored.schema, updated_at: stored.updated_at.toISOString() });
  });

  router.delete('/stations/:station/schema', deps.auth, async (req, res) => {
    const { station } = stationParams.parse(req.params);
    if (!(await deps.schemas.remove(station)))
      throw new HttpError(404, 'not_found', `station ${station} has no schema`);
    res.status(204).end();
  });
  return router;
}
