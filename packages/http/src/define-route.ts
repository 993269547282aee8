import type { Request, RequestHandler, Response, Router } from 'express';
import type { ZodError, z } from 'zod';
import { jsonBody } from './app';
import { HttpError } from './errors';
import type { OpenAPIRegistry } from './openapi';

type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';

/** An OpenAPI security requirement: scheme name -> scopes (`{ apiKey: [] }`). */
export type SecurityRequirement = Record<string, string[]>;

export interface ResponseSpec {
  description: string;
  schema?: z.ZodType;
  contentType?: string;
}
export type ResponseSpecs = Record<number, ResponseSpec>;

/** The part of a request a schema refused. */
export type RequestPart = 'params' | 'query' | 'body';

/**
 * Who may call a group of routes, and how those routes answer a failure. An app builds one per kind
 * of route (management only, tenant tokens too, the gateway's JWT) and names it in each route spec.
 */
export interface RouteAccess {
  /** Runs first (authentication); absent for an open route. */
  guard?: RequestHandler;
  /** The OpenAPI security requirement the guard enforces. */
  security?: SecurityRequirement[];
  /** The error responses every route of this access can give; a route's own responses come on top. */
  errors?: ResponseSpecs;
  /** Reads the body of a route with a `body` schema; default `jsonBody` (JSON only, 256 KB). */
  bodyParser?: RequestHandler;
  /**
   * What a request refused by a schema throws. Default: a 400 `invalid_id` for a path parameter (there
   * is nothing to look up), the ZodError itself otherwise (the error handler's `validation_error`).
   */
  invalid?(part: RequestPart, error: ZodError, req: Request): unknown;
  /** Runs a route's handling and answers what it throws; default: the app's error handler does. */
  run?(handle: (req: Request, res: Response) => Promise<void>): RequestHandler;
}

export interface RouteSpec<P extends z.ZodType, Q extends z.ZodType, B extends z.ZodType> {
  method: Method;
  /** Express syntax (`/subscription/:id`); converted to `{id}` for the OpenAPI document. */
  path: string;
  summary: string;
  description?: string;
  tags?: string[];
  access?: RouteAccess;
  params?: P;
  query?: Q;
  body?: B;
  /** The body may be absent (then `body` is undefined and not validated). */
  bodyOptional?: boolean;
  /** Request headers the handler reads itself: documented only. */
  headers?: z.ZodObject;
  /** The body the handler reads itself (raw bytes, its own parsing), by content type: documented only. */
  ownBody?: Record<string, z.ZodType>;
  responses: ResponseSpecs;
  handler(
    input: { params: z.output<P>; query: z.output<Q>; body: z.output<B> },
    req: Request,
    res: Response,
  ): Promise<void>;
}

/** Where an app's routes go: its express router and its OpenAPI registry. */
export interface Routes {
  router: Router;
  openapi: OpenAPIRegistry;
}

function documentedResponses(specs: ResponseSpecs): Record<string, object> {
  const responses: Record<string, object> = {};
  for (const [status, response] of Object.entries(specs)) {
    responses[status] = response.schema
      ? {
          description: response.description,
          content: { [response.contentType ?? 'application/json']: { schema: response.schema } },
        }
      : { description: response.description };
  }
  return responses;
}

function defaultInvalid(part: RequestPart, error: ZodError, req: Request): unknown {
  if (part !== 'params') return error;
  const message = error.issues.map((i) => i.message).join('; ');
  return new HttpError(400, 'invalid_id', `${String(Object.values(req.params)[0] ?? '')} ${message}`.trim());
}

/** Runs an express middleware (a body parser) as a promise, so its failure is thrown where the handler's are. */
function runMiddleware(middleware: RequestHandler, req: Request, res: Response): Promise<void> {
  return new Promise((resolve, reject) => {
    middleware(req, res, (err?: unknown) => (err ? reject(err) : resolve()));
  });
}

/**
 * Registers one route in express AND in the OpenAPI document from the same zod schemas: the schemas
 * that validate a request are the ones that describe it, so the documentation cannot drift. The body
 * is parsed for this route only (`npm start` shares one express app with the gateway, which reads
 * raw bodies).
 */
export function defineRoute<
  P extends z.ZodType = z.ZodUnknown,
  Q extends z.ZodType = z.ZodUnknown,
  B extends z.ZodType = z.ZodUnknown,
>(routes: Routes, spec: RouteSpec<P, Q, B>): void {
  const access = spec.access ?? {};
  const body = spec.body
    ? { required: !spec.bodyOptional, content: { 'application/json': { schema: spec.body } } }
    : spec.ownBody
      ? { content: Object.fromEntries(Object.entries(spec.ownBody).map(([type, schema]) => [type, { schema }])) }
      : undefined;
  routes.openapi.registerPath({
    method: spec.method,
    path: spec.path.replace(/:(\w+)/g, '{$1}'),
    summary: spec.summary,
    ...(spec.description ? { description: spec.description } : {}),
    ...(spec.tags ? { tags: spec.tags } : {}),
    ...(access.security ? { security: access.security } : {}),
    request: {
      ...(spec.params ? { params: spec.params as never } : {}),
      ...(spec.query ? { query: spec.query as never } : {}),
      ...(spec.headers ? { headers: spec.headers } : {}),
      ...(body ? { body } : {}),
    },
    responses: documentedResponses({ ...access.errors, ...spec.responses }) as never,
  });

  const invalid = access.invalid ?? defaultInvalid;
  const parse = async (part: RequestPart, schema: z.ZodType, req: Request): Promise<unknown> => {
    // A missing body reads as `{}`, so each missing field is named.
    const value = part === 'body' ? (req.body ?? {}) : req[part];
    // Async parsing: whether an event type is catalogued may take a (cached) catalog read.
    const result = await schema.safeParseAsync(value);
    if (!result.success) throw invalid(part, result.error, req);
    return result.data;
  };
  const handle = async (req: Request, res: Response) => {
    if (spec.body) await runMiddleware(access.bodyParser ?? jsonBody, req, res);
    const params = spec.params ? await parse('params', spec.params, req) : req.params;
    const query = spec.query ? await parse('query', spec.query, req) : req.query;
    // An empty body parses to {} (Content-Length: 0, as Swagger UI and Postman send): that is "no body".
    const bodyAbsent = req.body === undefined || req.headers['content-length'] === '0';
    const input = spec.body && !(spec.bodyOptional && bodyAbsent) ? await parse('body', spec.body, req) : undefined;
    await spec.handler({ params, query, body: input } as never, req, res);
  };
  const steps: RequestHandler[] = access.guard ? [access.guard] : [];
  routes.router[spec.method](spec.path, ...steps, access.run ? access.run(handle) : handle);
}
