import { errorBodySchema } from '@hookline/contracts';
import type { OpenAPIRegistry } from '@hookline/http';
import { z } from 'zod';
import {
  authenticateBody,
  batchResponse,
  changePasswordBody,
  consumeBody,
  createUserBody,
  produceResponse,
  pulledMessages,
  refreshBody,
  stationErrorResponse,
  stationParams,
  stationSchemaInput,
  tokensResponse,
  userParams,
} from './api';

const json = (schema: z.ZodType, description: string) => ({ description, content: { 'application/json': { schema } } });
const unauthorized = json(z.object({ message: z.literal('Unauthorized') }), 'missing, invalid or expired token');
const stationError = (description: string) => json(stationErrorResponse, description);
const projectError = (description: string) => json(errorBodySchema, description);

/** The gateway's routes in the OpenAPI document, with the schemas that validate them. */
export function registerGatewayDocs(registry: OpenAPIRegistry): void {
  const jwt = registry.registerComponent('securitySchemes', 'gatewayJwt', {
    type: 'http',
    scheme: 'bearer',
    bearerFormat: 'JWT',
    description: 'from POST /auth/authenticate; also accepted as ?authorization=<jwt>',
  });
  const security = [{ [jwt.name]: [] }];
  const management = [{ apiKey: [] }];
  const tokenQuery = z.object({
    authorization: z.string().optional().openapi({ description: 'the JWT, for senders that cannot set headers' }),
  });

  registry.registerPath({
    method: 'post',
    path: '/auth/authenticate',
    tags: ['gateway'],
    summary: 'Get an access and a refresh token (Memphis REST gateway)',
    request: {
      query: z.object({ accountId: z.string().optional() }),
      body: { content: { 'application/json': { schema: authenticateBody } } },
    },
    responses: {
      200: json(tokensResponse, 'tokens; expiries in milliseconds'),
      400: json(z.object({ message: z.array(z.object({ field: z.string(), reason: z.string() })) }), 'invalid body'),
      401: unauthorized,
    },
  });
  registry.registerPath({
    method: 'post',
    path: '/auth/refreshToken',
    tags: ['gateway'],
    summary: 'Exchange a refresh token for new tokens',
    request: { body: { content: { 'application/json': { schema: refreshBody } } } },
    responses: { 200: json(tokensResponse, 'new tokens'), 401: unauthorized },
  });
  registry.registerPath({
    method: 'get',
    path: '/monitoring/status',
    tags: ['gateway'],
    summary: 'Liveness, Memphis style',
    responses: { 200: json(z.object({ status: z.literal('ok') }), 'up') },
  });
  registry.registerPath({
    method: 'post',
    path: '/stations/{station}/produce/single',
    tags: ['gateway'],
    summary: 'Produce one message (a webhook) to a station',
    security,
    request: {
      params: stationParams,
      query: tokenQuery,
      body: {
        content: {
          'application/json': { schema: z.unknown() },
          'text/plain': { schema: z.string() },
          'application/x-protobuf': { schema: z.string().openapi({ format: 'binary' }) },
        },
      },
    },
    responses: {
      200: json(produceResponse, 'confirmed by RabbitMQ'),
      400: stationError('bad station name, invalid JSON or "Schema validation has failed: ..."'),
      401: unauthorized,
      413: stationError('body over 1 MB'),
      415: stationError('unsupported content type'),
      503: stationError('RabbitMQ unavailable'),
    },
  });
  registry.registerPath({
    method: 'post',
    path: '/stations/{station}/produce/batch',
    tags: ['gateway'],
    summary: 'Produce a JSON array of messages (at most 1,000), per item',
    security,
    request: {
      params: stationParams,
      query: tokenQuery,
      body: { content: { 'application/json': { schema: z.array(z.unknown()) } } },
    },
    responses: {
      200: json(batchResponse, 'every message sent'),
      400: json(batchResponse.or(stationErrorResponse), 'some or all messages invalid, or a bad batch'),
      401: unauthorized,
      503: json(batchResponse.or(stationErrorResponse), 'RabbitMQ unavailable (some messages may have been sent)'),
    },
  });
  registry.registerPath({
    method: 'post',
    path: '/stations/{station}/consume/batch',
    tags: ['gateway'],
    summary: 'Pull messages for a consumer group (acked once returned)',
    security,
    request: {
      params: stationParams,
      query: tokenQuery,
      body: { content: { 'application/json': { schema: consumeBody } } },
    },
    responses: {
      200: json(pulledMessages, 'up to batch_size messages (possibly none)'),
      400: stationError('invalid request'),
      401: unauthorized,
      503: stationError('RabbitMQ unavailable'),
    },
  });
  for (const method of ['put', 'get', 'delete'] as const) {
    registry.registerPath({
      method,
      path: '/stations/{station}/schema',
      tags: ['gateway'],
      summary: {
        put: 'Attach a JSON Schema or protobuf schema to a station',
        get: "A station's schema",
        delete: "Remove a station's schema",
      }[method],
      security: management,
      request: {
        params: stationParams,
        ...(method === 'put' ? { body: { content: { 'application/json': { schema: stationSchemaInput } } } } : {}),
      },
      responses: {
        ...(method === 'delete'
          ? { 204: { description: 'removed' } }
          : { 200: json(stationSchemaInput, 'the schema') }),
        400: projectError('invalid station name or schema'),
        401: projectError('missing or wrong API key'),
        ...(method === 'put' ? {} : { 404: projectError('no schema') }),
      },
    });
  }
  registry.registerPath({
    method: 'post',
    path: '/gateway/users',
    tags: ['gateway'],
    summary: 'Create a gateway user (who may get a JWT)',
    security: management,
    request: { body: { content: { 'application/json': { schema: createUserBody } } } },
    responses: {
      201: json(z.object({ username: z.string(), created_at: z.string() }), 'created'),
      400: projectError('invalid user name or password'),
      401: projectError('missing or wrong API key'),
      409: projectError('the user exists'),
    },
  });
  registry.registerPath({
    method: 'put',
    path: '/gateway/users/{username}',
    tags: ['gateway'],
    summary: "Change a gateway user's password; every token issued before is refused",
    security: management,
    request: { params: userParams, body: { content: { 'application/json': { schema: changePasswordBody } } } },
    responses: {
      200: json(z.object({ username: z.string(), updated_at: z.string() }), 'changed'),
      400: projectError('invalid password'),
      401: projectError('missing or wrong API key'),
      404: projectError('no such user'),
    },
  });
  registry.registerPath({
    method: 'delete',
    path: '/gateway/users/{username}',
    tags: ['gateway'],
    summary: "Delete a gateway user; the user's tokens are refused from then on",
    security: management,
    request: { params: userParams },
    responses: {
      204: { description: 'deleted' },
      401: projectError('missing or wrong API key'),
      404: projectError('no such user'),
    },
  });
}
