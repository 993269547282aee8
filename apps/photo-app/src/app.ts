import type { PhotoAppSettings } from '@hookline/config';
import { EventCatalog } from '@hookline/event-catalog';
import { assembleApp, type HttpModule, OpenAPIRegistry, producerAuth } from '@hookline/http';
import type { ServiceDeps } from '@hookline/runtime';
import { readinessChecks, tenantExists } from '@hookline/runtime';
import type { Express } from 'express';
import { Router } from 'express';
import { idempotencyStore } from './idempotency';
import { photoModels } from './models';
import { createEventPublisher } from './publisher';
import { type AppContext, photoAccess } from './routes/context';
import { eventRoutes } from './routes/events';
import { likeRoutes } from './routes/likes';
import { messageRoutes } from './routes/messages';
import { userRoutes } from './routes/users';

/** This app's routes, readiness checks and OpenAPI registry. */
export function createPhotoAppModule(deps: ServiceDeps<PhotoAppSettings>): HttpModule {
  const router = Router();
  const openapi = new OpenAPIRegistry();
  const models = photoModels(deps.db);
  const context: AppContext = {
    router,
    openapi,
    // `?? []`: some tests hand in a partial config.
    access: photoAccess(producerAuth(deps.config.PRODUCER_KEYS ?? [], deps.config.API_KEYS ?? [])),
    models,
    publisher: createEventPublisher(deps.broker, deps.broker.requireTopology().names),
    idempotency: idempotencyStore(models.Idempotency),
    catalog: new EventCatalog(deps.db),
    logger: deps.logger,
    tenantExists: (tenant: string) => tenantExists(deps.db, tenant),
  };
  likeRoutes(context);
  userRoutes(context);
  messageRoutes(context);
  eventRoutes(context);
  return { router, openapi, checks: readinessChecks(deps.broker, deps.db) };
}

/** The express app of this app alone (does not listen): what tests and main.ts use. */
export function createApp(deps: ServiceDeps<PhotoAppSettings>): Express {
  return assembleApp({ modules: [createPhotoAppModule(deps)], logger: deps.logger, title: 'Hookline photo-app' });
}
