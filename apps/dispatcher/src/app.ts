import { recordTenant } from '@hookline/contracts';
import { assembleApp, type HttpModule, OpenAPIRegistry } from '@hookline/http';
import type { ServiceDeps } from '@hookline/runtime';
import { readinessChecks, tenantTokenVerifier } from '@hookline/runtime';
import { type Express, Router } from 'express';
import type { FailureClock } from './delivery/failure-clock';
import type { Requeuer } from './operations/requeue';
import { deliveriesRouter } from './routes/deliveries';
import { statsRouter } from './routes/stats';
import type { DispatcherSettings } from './service';
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
  // Before the deliveries router: /deliveries/stats is not a delivery id.
  router.use(statsRouter(deps.models, deps.failureClock, deps.config, openapi));
  router.use(
    deliveriesRouter(
      deps.models,
      deps.requeuer,
      (id) => {
        const sub = deps.worker.index.get(id);
        return sub && recordTenant(sub);
      },
      deps.config.API_KEYS,
      tenantTokenVerifier(deps.config, deps.db),
      openapi,
    ),
  );
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
