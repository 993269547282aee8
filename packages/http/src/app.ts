import { traceRequests } from '@hookline/telemetry';
import express, { type Express, type RequestHandler, type Router } from 'express';
import { errorHandler, HttpError, notFound, PROTO_KEY_MESSAGE } from './errors';
import { healthRouter, type ReadinessCheck } from './health';
import type { Logger } from './logger';
import { docsRouter, OpenAPIRegistry, type WebhooksSource } from './openapi';
import { requestGuard } from './request-guard';

/** What each Hookline app contributes to an HTTP server: its routes, its readiness checks, its docs. */
export interface HttpModule {
  /** Absent for a module that only contributes readiness checks. */
  router?: Router;
  checks?: Record<string, ReadinessCheck>;
  openapi?: OpenAPIRegistry;
  /** Run-time `webhooks` entries of the OpenAPI document (the event catalog's payloads). */
  openapiWebhooks?: WebhooksSource;
}

/** A running app inside a process: its HTTP module, and how to stop its background work. */
export interface ServiceHandle {
  module: HttpModule;
  /** Stop consuming and finish in-flight work; connections are closed by the process afterwards. */
  stop(): Promise<void>;
  /**
   * Called first on shutdown, before the HTTP server waits for its in-flight requests: end requests that
   * would otherwise hold the shutdown for their own timeout (the gateway's long polls answer at once).
   */
  drain?(): void;
}

/** Request bodies are JSON of at most 256 KB unless a route says otherwise (the gateway does). */
export const JSON_BODY_LIMIT = '256kb';
/**
 * A `__proto__` key cannot be kept as plain data (schemas and object spreads drop it or turn it into a
 * prototype), so it would vanish silently: the body is refused instead, wherever the key is.
 */
function refuseProtoKeys(key: string, value: unknown): unknown {
  if (key === '__proto__') throw new SyntaxError(PROTO_KEY_MESSAGE);
  return value;
}
const parseJson = express.json({ limit: JSON_BODY_LIMIT, reviver: refuseProtoKeys });

/**
 * Parses a JSON body. express.json silently skips bodies of other content types, which would turn
 * `text/plain` JSON into "missing field" errors: a body of another type is a 415 that says so.
 */
export const jsonBody: RequestHandler = (req, res, next) => {
  const hasBody = req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length'] ?? 0) > 0;
  if (hasBody && !req.is('application/json')) {
    next(
      new HttpError(415, 'unsupported_media_type', 'the request body must be JSON (Content-Type: application/json)'),
    );
    return;
  }
  parseJson(req, res, next);
};

/**
 * Builds the express app around one or more modules: health, metrics, docs, the modules' routes,
 * then the 404 and error handlers. A standalone app passes its own module; `npm start` passes all.
 */
export function assembleApp(options: {
  modules: HttpModule[];
  logger: Logger;
  title: string;
  version?: string;
  /** Host names served besides localhost, 127.0.0.1 and [::1] (`PUBLIC_HOSTS`). */
  publicHosts?: readonly string[];
}): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.use(requestGuard(options.publicHosts));
  const checks = Object.assign({}, ...options.modules.map((m) => m.checks ?? {}));
  app.use(onlyFor(isHealthPath, healthRouter(checks)));
  const registries = [healthDocs(), ...options.modules.flatMap((m) => (m.openapi ? [m.openapi] : []))];
  const webhooks = options.modules.flatMap((m) => (m.openapiWebhooks ? [m.openapiWebhooks] : []));
  app.use(onlyFor(isDocsPath, docsRouter(registries, options.title, options.version ?? '0.1.0', webhooks)));
  // Health probes and docs above make no spans; every API route below does.
  app.use(traceRequests());
  for (const m of options.modules) if (m.router) app.use(m.router);
  app.use(notFound);
  app.use(errorHandler(options.logger));
  return app;
}

/**
 * Enters `router` only for the paths it serves: every API request passed through the health and docs
 * routers, each entry building the router's per-request closures and matching each of its layers
 * against the path, before reaching its own route. `serves` gets the path lower-cased without a
 * trailing slash, as express matches routes by default.
 */
function onlyFor(serves: (path: string) => boolean, router: Router): RequestHandler {
  return (req, res, next) => {
    const path = req.path.toLowerCase();
    if (serves(path.length > 1 && path.endsWith('/') ? path.slice(0, -1) : path)) router(req, res, next);
    else next();
  };
}

const HEALTH_PATHS = new Set(['/healthz', '/readyz', '/metrics']);
const isHealthPath = (path: string): boolean => HEALTH_PATHS.has(path);
const isDocsPath = (path: string): boolean => path === '/openapi.json' || path === '/docs' || path.startsWith('/docs/');

/** The routes every app serves, in every app's OpenAPI document. */
function healthDocs(): OpenAPIRegistry {
  const registry = new OpenAPIRegistry();
  registry.registerPath({
    method: 'get',
    path: '/healthz',
    summary: 'The process is up',
    responses: { 200: { description: '{"status":"ok"}' } },
  });
  registry.registerPath({
    method: 'get',
    path: '/readyz',
    summary: 'RabbitMQ and MongoDB (and the dispatcher worker) are reachable',
    responses: { 200: { description: 'ready, with each check' }, 503: { description: 'a dependency is unavailable' } },
  });
  registry.registerPath({
    method: 'get',
    path: '/metrics',
    summary: 'Prometheus metrics',
    responses: { 200: { description: 'text exposition format' } },
  });
  return registry;
}
