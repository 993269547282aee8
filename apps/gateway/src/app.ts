import type { GatewaySettings } from '@hookline/config';
import { assembleApp, type HttpModule, OpenAPIRegistry } from '@hookline/http';
import type { ServiceDeps } from '@hookline/runtime';
import { readinessChecks, tenantExists } from '@hookline/runtime';
import type { Express } from 'express';
import { Router } from 'express';
import { GATEWAY_JWT, gatewayAccess } from './routes/access';
import { authRoutes } from './routes/auth';
import type { AppContext } from './routes/context';
import { managementRoutes } from './routes/management';
import { stationRoutes } from './routes/stations';
import { loadJwtSecrets } from './secrets';
import { StationGroups } from './station-groups';
import { createStationPublisher } from './station-publisher';
import { StationPuller } from './station-puller';
import { StationSchemas } from './station-schema-store';
import { requireAccessToken } from './token-auth';
import { createTokenService } from './tokens';
import { GatewayUsers } from './users';

/** The long-poll consumer of stations: the service keeps it to end its polls at shutdown. */
export function stationPuller(deps: ServiceDeps<GatewaySettings>): StationPuller {
  const { config } = deps;
  return new StationPuller(deps.broker, deps.broker.requireTopology(), config.STATION_RETENTION * 1000, {
    groups: new StationGroups(deps.db, config.MAX_GROUPS_PER_STATION),
    maxLength: config.STATION_GROUP_MAX_MESSAGES,
    maxLengthBytes: config.STATION_GROUP_MAX_BYTES,
  });
}

/**
 * This app's routes, readiness checks and OpenAPI registry. Throws (one readable line) when the JWT
 * secrets are missing in production. Every route names its full path: the router is mounted at the
 * root beside the other apps', so it must not add catch-all middleware.
 */
export function createGatewayModule(deps: ServiceDeps<GatewaySettings>, puller = stationPuller(deps)): HttpModule {
  const { config, logger } = deps;
  const tokens = createTokenService(loadJwtSecrets(config), Date.now, {
    maxAccessMinutes: config.MAX_TOKEN_EXPIRY_MINUTES,
    maxRefreshMinutes: config.MAX_REFRESH_TOKEN_EXPIRY_MINUTES,
  });
  const users = new GatewayUsers(deps.db);
  const schemas = new StationSchemas(deps.db);

  const router = Router();
  const openapi = new OpenAPIRegistry();
  openapi.registerComponent('securitySchemes', GATEWAY_JWT, {
    type: 'http',
    scheme: 'bearer',
    bearerFormat: 'JWT',
    description: 'from POST /auth/authenticate; also accepted as ?authorization=<jwt>',
  });
  const ctx: AppContext = {
    router,
    openapi,
    access: gatewayAccess({
      apiKeys: config.API_KEYS,
      logger,
      requireToken: requireAccessToken(tokens, users),
    }),
    users,
    tokens,
    schemas,
    publisher: createStationPublisher(deps.broker, deps.broker.requireTopology().names),
    puller,
    logger,
    maxLongPollsPerUser: config.MAX_LONG_POLLS_PER_USER,
    tenantExists: (tenant) => tenantExists(deps.db, tenant),
  };
  authRoutes(ctx);
  managementRoutes(ctx);
  stationRoutes(ctx);
  return { router, openapi, checks: readinessChecks(deps.broker, deps.db) };
}

/** The express app of this app alone (does not listen): what tests and main.ts use. */
export function createApp(deps: ServiceDeps<GatewaySettings>): Express {
  return assembleApp({ modules: [createGatewayModule(deps)], logger: deps.logger, title: 'Hookline gateway' });
}
