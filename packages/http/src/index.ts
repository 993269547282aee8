export { assembleApp, type HttpModule, JSON_BODY_LIMIT, jsonBody, type ServiceHandle } from './app';
export { type Access, type AuthOptions, apiAuth, managementAuth, tenantScope, tenantSince } from './auth';
export {
  defineRoute,
  type RequestPart,
  type ResponseSpec,
  type ResponseSpecs,
  type RouteAccess,
  type RouteSpec,
  type Routes,
  type SecurityRequirement,
} from './define-route';
export {
  ERROR_TEXT_MAX,
  errorBody,
  errorHandler,
  HttpError,
  isDatabaseUnavailable,
  notFound,
  quotable,
  zodDetails,
} from './errors';
export { healthRouter, type ReadinessCheck } from './health';
export { createLogger, type Logger, redactedUrl } from './logger';
export { counter, histogram } from './metrics';
export { docsRouter, OpenAPIRegistry, type WebhooksSource } from './openapi';
export { producerAuth, producerScope } from './producer-auth';
export { allowedHosts, hostnameOf, requestGuard, requireJsonContentType } from './request-guard';
export { type ProjectAccess, projectAccess } from './route-access';
export { closeServer, listen, onShutdown } from './shutdown';
export {
  isTenantToken,
  readTenantToken,
  signTenantToken,
  TENANT_TOKEN_PREFIX,
  type TenantTokenClaims,
  type TenantTokenState,
  type TenantTokenVerifier,
} from './tenant-token';
