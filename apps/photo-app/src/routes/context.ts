import { errorBodySchema } from '@hookline/contracts';
import type { EventCatalog } from '@hookline/event-catalog';
import type { Logger, RouteAccess, Routes } from '@hookline/http';
import { pageOf } from '@hookline/runtime';
import type { RequestHandler } from 'express';
import { type Model, Types } from 'mongoose';
import type { IdempotencyStore } from '../idempotency';
import type { PhotoModels, WithId } from '../models';
import type { EventPublisher } from '../publisher';

/** What every route group of the photo app is given. */
export interface AppContext extends Routes {
  /** Who may call each route (see `photoAccess`). */
  access: PhotoAccess;
  publisher: EventPublisher;
  models: PhotoModels;
  idempotency: IdempotencyStore;
  /** The event catalog, read from MongoDB (cached): `POST /events` validates data against its schemas. */
  catalog: EventCatalog;
  logger: Logger;
  /** Whether a tenant exists (an event naming an unknown one is a 422). */
  tenantExists(tenant: string): Promise<boolean>;
}

export interface PhotoAccess {
  /** The demo app's own routes: no credentials. */
  open: RouteAccess;
  /** `POST /events`: producerAuth over PRODUCER_KEYS and API_KEYS. */
  publish: RouteAccess;
}

/** The error responses every route documents (the project's one error shape). */
const ERRORS = {
  400: { description: 'invalid request (validation_error, invalid_json)', schema: errorBodySchema },
  413: { description: 'body over 256 KB', schema: errorBodySchema },
  503: { description: 'RabbitMQ or MongoDB unavailable; nothing was published', schema: errorBodySchema },
};

export function photoAccess(publishAuth: RequestHandler): PhotoAccess {
  // Every refused field, a path parameter's too, is a `validation_error` listing it.
  const invalid = (_part: unknown, error: unknown) => error;
  return { open: { errors: ERRORS, invalid }, publish: { guard: publishAuth, errors: ERRORS, invalid } };
}

/**
 * One page of `filter`'s documents, oldest first, after the cursor (the last id of the previous
 * page; ObjectIds grow with time).
 */
export async function oldestFirst<T>(
  model: Model<T>,
  filter: Record<string, unknown>,
  page: { limit: number; cursor?: string | undefined },
): Promise<{ data: WithId<T>[]; next_cursor: string | null }> {
  const after = page.cursor ? { _id: { $gt: new Types.ObjectId(page.cursor) } } : {};
  const docs = await model
    .find({ ...filter, ...after })
    .sort({ _id: 1 })
    .limit(page.limit + 1)
    .lean<WithId<T>[]>();
  const { data, nextCursor } = pageOf(docs, page.limit, (last) => String(last._id));
  return { data, next_cursor: nextCursor };
}
