import {
  apiAuth,
  HttpError,
  jsonBody,
  type Logger,
  managementAuth,
  type OpenAPIRegistry,
  type TenantTokenVerifier,
} from '@hookline/http';
import type { Request, RequestHandler, Response, Router } from 'express';
import { ZodError, type z } from 'zod';

type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';

export interface RouteSpec<P extends z.ZodType, Q extends z.ZodType, B extends z.ZodType> {
  method: Method;
  /** Express syntax (`/subscription/:id`); converted to `{id}` for the OpenAPI document. */
  path: string;
  summary: string;
  tags: string[];
  params?: P;
  query?: Q;
  body?: B;
  /** The body may be absent (then `body` is undefined and not validated). */
  bodyOptional?: boolean;
  /**
   * Tenant tokens may use this route (scoped to their tenant: the handler asks `tenantScope(req)`).
   * Without it the route is management-only and a tenant token is a 403.
   */
  tenantAccess?: boolean;
  responses: Record<number, { description: string; schema?: z.ZodType; contentType?: string }>;
  handler(
    input: { params: z.output<P>; query: z.output<Q>; body: z.output<B> },
    req: Request,
    res: Response,
  ): Promise<void>;
}

export interface RouteContext {
  router: Router;
  openapi: OpenAPIRegistry;
  /** Management-only routes. */
  auth: RequestHandler;
  /** Routes a tenant token may use too. */
  tenantAuth: RequestHandler;
}

export function routeContext(
  router: Router,
  openapi: OpenAPIRegistry,
  apiKeys: readonly string[],
  logger: Logger,
  tenantTokens: TenantTokenVerifier,
): RouteContext {
  return {
    router,
    openapi,
    auth: managementAuth(apiKeys, logger),
    tenantAuth: apiAuth({ apiKeys, logger, tenantTokens }),
  };
}

const ERROR_RESPONSES = {
  400: { description: 'invalid request: `{"error": {"code", "message", "details"}}` listing every invalid field' },
  401: { description: 'API_KEYS is set and no valid `Authorization: Bearer <key>` was given' },
  403: {
    description: 'protected mode (API_KEYS unset): only loopback clients are served; or a tenant token was given',
  },
};
const TENANT_ERROR_RESPONSES = {
  ...ERROR_RESPONSES,
  401: {
    description:
      'no valid API key (API_KEYS set), or a tenant token that is expired, revoked, malformed or wrongly signed',
  },
  403: {
    description: 'protected mode (API_KEYS unset) and not a loopback client, or the request names another tenant',
  },
  404: { description: "unknown id, or another tenant's (a tenant token never learns what exists elsewhere)" },
};

/**
 * Registers one route in express AND in the OpenAPI document from the same zod schemas, behind
 * management auth, with JSON body parsing for this route only (`npm start` shares one express app
 * with the gateway, which needs raw bodies).
 */
export function defineRoute<
  P extends z.ZodType = z.ZodUnknown,
  Q extends z.ZodType = z.ZodUnknown,
  B extends z.ZodType = z.ZodUnknown,
>(ctx: RouteContext, spec: RouteSpec<P, Q, B>): void {
  const responses: Record<string, object> = {};
  const errors = spec.tenantAccess ? TENANT_ERROR_RESPONSES : ERROR_RESPONSES;
  for (const [status, r] of Object.entries({ ...errors, ...spec.responses })) {
    const response = r as { description: string; schema?: z.ZodType; contentType?: string };
    responses[status] = response.schema
      ? {
          description: response.description,
          content: { [response.contentType ?? 'application/json']: { schema: response.schema } },
        }
      : { description: response.description };
  }
  ctx.openapi.registerPath({
    method: spec.method,
    path: spec.path.replace(/:(\w+)/g, '{$1}'),
    summary: spec.summary,
    tags: spec.tags,
    security: spec.tenantAccess ? [{ apiKey: [] }, { tenantToken: [] }] : [{ apiKey: [] }],
    request: {
      ...(spec.params ? { params: spec.params as never } : {}),
      ...(spec.query ? { query: spec.query as never } : {}),
      ...(spec.body
        ? { body: { required: !spec.bodyOptional, content: { 'application/json': { schema: spec.body } } } }
        : {}),
    },
    responses: responses as never,
  });

  const handle = async (req: Request, res: Response) => {
    let params: unknown;
    if (spec.params) {
      try {
        params = spec.params.parse(req.params);
      } catch (err) {
        // A path parameter that cannot be one of ours is its own error: there is nothing to look up.
        const message = err instanceof ZodError ? err.issues.map((i) => i.message).join('; ') : 'invalid id';
        throw new HttpError(400, 'invalid_id', `${String(Object.values(req.params)[0] ?? '')} ${message}`.trim());
      }
    }
    // Async parsing: whether an event type is catalogued may take a (cached) catalog read.
    const query = spec.query ? await spec.query.parseAsync(req.query) : req.query;
    // An empty body parses to {} (Content-Length: 0, as Swagger UI and Postman send): that is "no body".
    const bodyAbsent = req.body === undefined || req.headers['content-length'] === '0';
    let body: unknown;
    if (spec.body && !(spec.bodyOptional && bodyAbsent)) body = await spec.body.parseAsync(req.body ?? null);
    await spec.handler({ params, query, body } as never, req, res);
  };
  const steps: RequestHandler[] = [spec.tenantAccess ? ctx.tenantAuth : ctx.auth];
  if (spec.body) steps.push(jsonBody);
  ctx.router[spec.method](spec.path, ...steps, handle);
}
