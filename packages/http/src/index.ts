export { assembleApp, type HttpModule, JSON_BODY_LIMIT, jsonBody, type ServiceHandle } from './app';
export { managementAuth } from './auth';
export { errorBody, errorHandler, HttpError, isDatabaseUnavailable, notFound, zodDetails } from './errors';
export { healthRouter, type ReadinessCheck } from './health';
export { createLogger, type Logger, redactedUrl } from './logger';
export { counter, histogram } from './metrics';
export { docsRouter, OpenAPIRegistry } from './openapi';
export { allowedHosts, hostnameOf, requestGuard, requireJsonContentType } from './request-guard';
export { closeServer, listen, onShutdown } from './shutdown';
