import { assembleApp, type HttpModule, OpenAPIRegistry } from '@hookline/http';
import type { ServiceDeps } from '@hookline/runtime';
import { readinessChecks } from '@hookline/runtime';
import { Router } from 'express';
import type { Express } from 'express';
import type { DispatcherSettings } from './service';

/** This app's routes, readiness checks and OpenAPI registry. */
export function createDispatcherModule(deps: ServiceDeps<DispatcherSettings>): HttpModule {
  const router = Router();
  const openapi = new OpenAPIRegistry();
  return { router, openapi, checks: readinessChecks(deps.broker, deps.db) };
}

/** The express app of this app alone (does not listen): what tests and main.ts use. */
export function createApp(deps: ServiceDeps<DispatcherSettings>): Express {
  return assembleApp({ modules: [createDispatcherModule(deps)], logger: deps.logger, title: 'Hookline dispatcher' });
}
