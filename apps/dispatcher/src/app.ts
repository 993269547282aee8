import type { DispatcherSettings } from '@hookline/config';
import { recordTenant } from '@hookline/contracts';
import { assembleApp, type HttpModule, OpenAPIRegistry, projectAccess } from '@hookline/http';
import type { ServiceDeps } from '@hookline/runtime';
import { readinessChecks, tenantTokenVerifier } from '@hookline/runtime';
import { type Express, Router } from 'express';
import type { FailureClock } from './delivery/failure-clock';
import type { Requeuer } from './operations/requeue';
import type { AppContext } from './routes/context';
import { deliveryRoutes } from './routes/deliveries';
import { statsRoutes } from './routes/stats';
import type { DeliveryModels } from './store/models';
import type { DispatcherWorker } from './worker';

export interface DispatcherAppDeps extends ServiceDeps<DispatcherSettings> {
  models: DeliveryModels;
  worker: DispatcherWorker;
  requeuer: Requeuer;
  failureClock: FailureClock;
}

/** This app's routes, readiness checks and OpenAPI registry. */
export function createDispatcherModule(deps: DispatcherAppDeps): HttpModule {
  const openapi = new OpenAPIRegistry();
  const router = Router();
  const ctx: AppContext = {
    router,
    openapi,
    access: projectAccess({ apiKeys: deps.config.API_KEYS, tenantTokens: tenantTokenVerifier(deps.config, deps.db) }),
    models: deps.models,
    requeuer: deps.requeuer,
    failureClock: deps.failureClock,
    settings: deps.config,
    subscriptionTenant: (id) => {
      const sub = deps.worker.index.get(id);
      return sub && recordTenant(sub);
    },
  };
  // Before the delivery routes: /deliveries/stats is not a delivery id.
  statsRoutes(ctx);
  deliveryRoutes(ctx);
  return {
    router,
    openapi,
    checks: { ...readinessChecks(deps.broker, deps.db), dispatcher: () => deps.worker.ready },
  };
}

/** The express app of this app alone (does not listen): what tests and main.ts use. */
export function createApp(deps: DispatcherAppDeps): Express {
  return assembleApp({ modules: [createDispatcherModule(deps)], logger: deps.logger, title: 'Hookline dispatcher' });
}
