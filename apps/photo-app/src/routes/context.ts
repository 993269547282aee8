import { errorBodySchema } from '@hookline/contracts';
import type { EventCatalog } from '@hookline/event-catalog';
import type { Logger, OpenAPIRegistry } from '@hookline/http';
import type { RequestHandler, Router } from 'express';
import type { IdempotencyStore } from '../idempotency';
import type { PhotoModels } from '../models';
import type { EventPublisher } from '../publisher';

/** What every route group of the photo app is given. */
export interface RouteContext {
  router: Router;
  openapi: OpenAPIRegistry;
  publisher: EventPublisher;
  models: PhotoModels;
  idempotency: IdempotencyStore;
  /** The event catalog, read from MongoDB (cached): `POST /events` validates data against its schemas. */
  catalog: EventCatalog;
  logger: Logger;
  /** Who may publish (`POST /events`): producerAuth over PRODUCER_KEYS and API_KEYS. */
  publishAuth: RequestHandler;
  /** Whether a tenant exists (an event naming an unknown one is a 422). */
  tenantExists(tenant: string): Promise<boolean>;
}

const json = { 'application/json': { schema: errorBodySchema } };

/** The error responses every route documents (the project's one error shape). */
export const errorResponses = {
  400: { description: 'invalid request (validation_error, invalid_json)', content: json },
  413: { description: 'body over 256 KB', content: json },
  503: { description: 'RabbitMQ or MongoDB unavailable; nothing was published', content: json },
};
