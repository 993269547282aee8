import type { SubscriptionsSettings } from '@hookline/config';
import type { InProcessSubscriptions } from '@hookline/dispatcher';
import { catalogWebhooks, EventCatalog } from '@hookline/event-catalog';
import { assembleApp, type HttpModule, OpenAPIRegistry, projectAccess, type ServiceHandle } from '@hookline/http';
import type { ServiceDeps } from '@hookline/runtime';
import { readinessChecks, tenantTokenVerifier } from '@hookline/runtime';
import type { Express } from 'express';
import { Router } from 'express';
import { ChangeFeed } from './changes';
import type { AppContext } from './context';
import { FifoQueues } from './fifo-queues';
import { pingSender } from './ping';
import { registerEventTypeRoutes } from './routes/event-types';
import { registerSnapshotRoute } from './routes/snapshot';
import { registerSubscriptionRoutes } from './routes/subscriptions';
import { registerTenantRoutes } from './routes/tenants';
import { registerTransformTestRoute } from './routes/transform-test';
import { registerWebhooksAllEventsRoute } from './routes/webhooks-all-events';
import { registerWebhooksByEventRoutes } from './routes/webhooks-by-event';
import { buildSchemas } from './schemas';
import { inProcessSnapshot } from './snapshot';
import { SubscriptionStore } from './store';
import { subscriptionDisabler } from './subscription-writes';
import { TenantStore } from './tenant-store';
import { createTestEventPublisher } from './test-events';

/** What this app's routes work with, built once per process. */
function createContext(deps: ServiceDeps<SubscriptionsSettings>): AppContext {
  const { config, logger } = deps;
  const router = Router();
  const openapi = new OpenAPIRegistry();
  const catalog = new EventCatalog(deps.db);
  const tenantTokens = tenantTokenVerifier(config, deps.db);
  const topology = deps.broker.requireTopology();
  // Standalone, this app's own port; `npm start` passes its PUBLIC_URL default.
  const port = (config as { PORT?: number }).PORT ?? 3002;
  const ctx: AppContext = {
    router,
    openapi,
    access: projectAccess({ apiKeys: config.API_KEYS, logger, tenantTokens }),
    tenants: new TenantStore(deps.db),
    tenantTokens,
    publicUrl: (config.PUBLIC_URL ?? `http://localhost:${port}`).replace(/\/+$/, ''),
    maxSubscriptionsPerTenant: config.MAX_SUBSCRIPTIONS_PER_TENANT,
    publishTestEvent: createTestEventPublisher(deps.broker, topology.names),
    store: new SubscriptionStore(deps.db),
    feed: new ChangeFeed(deps.broker, topology.names, logger, config.API_KEYS),
    fifoQueues: new FifoQueues(deps.broker, topology, logger, config.MAX_CONTROLLED_SUBSCRIPTIONS_PER_TENANT),
    schemas: buildSchemas({
      extraEventTypes: config.EXTRA_EVENT_TYPES,
      allowPrivateTargets: config.ALLOW_PRIVATE_TARGETS,
      inCatalog: (type) => catalog.has(type),
    }),
    catalog,
    logger,
    secretGraceHours: config.SECRET_ROTATION_GRACE_HOURS,
    pingSender: pingSender(config.ALLOW_PRIVATE_TARGETS),
  };
  return ctx;
}

/** This app's routes, readiness checks and OpenAPI registry. Every route is behind management auth. */
export function createSubscriptionsModule(
  deps: ServiceDeps<SubscriptionsSettings>,
  ctx: AppContext = createContext(deps),
): HttpModule {
  // The snapshot before `/subscription/:id`, or ":id" would swallow "snapshot".
  registerSnapshotRoute(ctx);
  // Likewise before `/subscription/:id/test`, which would take "transform" for an id.
  registerTransformTestRoute(ctx);
  registerSubscriptionRoutes(ctx);
  registerEventTypeRoutes(ctx);
  registerWebhooksByEventRoutes(ctx);
  registerWebhooksAllEventsRoute(ctx);
  registerTenantRoutes(ctx);
  return {
    router: ctx.router,
    openapi: ctx.openapi,
    checks: readinessChecks(deps.broker, deps.db),
    openapiWebhooks: async () => catalogWebhooks(await ctx.catalog.list()),
  };
}

/** The express app of this app alone (does not listen): what tests and main.ts use. */
export function createApp(deps: ServiceDeps<SubscriptionsSettings>): Express {
  return assembleApp({
    modules: [createSubscriptionsModule(deps)],
    logger: deps.logger,
    title: 'Hookline subscriptions',
  });
}

/**
 * Starts this app inside a process: used by its own main.ts and by `npm start`. It has no background
 * work of its own: stopping has nothing to wait for. `inProcess` is for a dispatcher in the same
 * process (`npm start`): what `GET /subscription/snapshot` and `PATCH /subscription/:id
 * {"enabled": false}` do, called directly instead of over HTTP to itself.
 */
export async function startSubscriptions(
  deps: ServiceDeps<SubscriptionsSettings>,
): Promise<ServiceHandle & { inProcess: InProcessSubscriptions }> {
  const ctx = createContext(deps);
  return {
    module: createSubscriptionsModule(deps, ctx),
    inProcess: { source: inProcessSnapshot(ctx.store), disable: subscriptionDisabler(ctx) },
    stop: async () => {},
  };
}
