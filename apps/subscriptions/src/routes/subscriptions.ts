import { ORDERING_SWITCH_DELAY_MS, type SigningScheme } from '@hookline/contracts';
import { HttpError } from '@hookline/http';
import type { AppContext } from '../context';
import { type SubscriptionDoc, secretView, toView } from '../model';
import { defineRoute } from '../route';
import {
  rotatedSecretSchema,
  secretSchema,
  subscriptionPageSchema,
  subscriptionViewSchema,
  subscriptionWithSecretSchema,
} from '../schemas';
import { newSecretFor, type SubscriptionChanges } from '../store';

const tags = ['subscriptions'];
const notFound = (id: string) => new HttpError(404, 'not_found', `subscription ${id} does not exist`);
const unique = (types: string[]) => [...new Set(types)];
const HOUR_MS = 3_600_000;

/**
 * A new secret, the current one signing beside it for the grace period. A rotation during another's
 * grace period drops the oldest secret: at most two sign at once.
 */
function rotation(current: string, secret: string, graceMs: number): SubscriptionChanges {
  return graceMs > 0
    ? { secret, previousSecret: current, previousSecretExpiresAt: new Date(Date.now() + graceMs) }
    : { secret, previousSecret: null, previousSecretExpiresAt: null };
}

/** Seed 001's `/subscription` CRUD, plus secrets and their rotation. */
export function registerSubscriptionRoutes(ctx: AppContext): void {
  const { store, feed, schemas, fifoQueues } = ctx;

  /** Every write by id: 404 when unknown, and the change on its way to the dispatchers before the answer. */
  async function updateAndPublish(id: string, change: Parameters<typeof store.update>[1]) {
    const before = await store.get(id);
    if (!before) throw notFound(id);
    await fifoQueues.prepare(id, change(before) ?? {}, before);
    const result = await store.update(id, change);
    if (!result) throw notFound(id);
    await feed.upserted(result.doc);
    await fifoQueues.settle(before, result.doc);
    return result.doc;
  }

  /**
   * Switching signing schemes is a rotation to a key of the other kind: the old secret keeps signing
   * (a v1 and a v1a signature side by side) through the grace period, so receivers switch when they like.
   */
  function schemeChange(current: SubscriptionDoc, signing: SigningScheme): SubscriptionChanges {
    if ((current.signing ?? 'hmac-sha256') === signing) return {};
    return {
      ...rotation(current.secret, newSecretFor(signing), ctx.secretGraceHours * HOUR_MS),
      signing: signing === 'ed25519' ? signing : null,
    };
  }

  defineRoute(ctx, {
    method: 'post',
    path: '/subscription',
    summary: 'Create a subscription (the answer is the only list-like place its secret appears)',
    tags,
    body: schemas.createBody,
    responses: {
      201: { description: 'created', schema: subscriptionWithSecretSchema },
      409: { description: 'too many subscriptions with a rateLimit or an ordering' },
    },
    async handler({ body }, _req, res) {
      await fifoQueues.checkCapacity(store, undefined, body);
      const doc = await store.create({ ...body, eventTypes: unique(body.eventTypes) });
      await fifoQueues.prepare(doc._id, doc);
      await feed.upserted(doc);
      res.status(201).json({ ...toView(doc), ...secretView(doc.secret) });
    },
  });

  defineRoute(ctx, {
    method: 'get',
    path: '/subscription',
    summary: 'List subscriptions (oldest first, cursor pagination; never secrets)',
    tags,
    query: schemas.listQuery,
    responses: { 200: { description: 'one page', schema: subscriptionPageSchema } },
    async handler({ query }, _req, res) {
      const page = await store.list(query);
      res.json({ data: page.data.map(toView), next_cursor: page.nextCursor });
    },
  });

  defineRoute(ctx, {
    method: 'get',
    path: '/subscription/:id',
    summary: 'One subscription (without its secret)',
    tags,
    params: schemas.idParams,
    responses: { 200: { description: 'found', schema: subscriptionViewSchema }, 404: { description: 'unknown id' } },
    async handler({ params }, _req, res) {
      const doc = await store.get(params.id);
      if (!doc) throw notFound(params.id);
      res.json(toView(doc));
    },
  });

  defineRoute(ctx, {
    method: 'put',
    path: '/subscription/:id',
    summary: 'Replace url, eventTypes, description, metadata, enabled, filter, transform and headers',
    tags,
    params: schemas.idParams,
    body: schemas.replaceBody,
    responses: { 200: { description: 'replaced', schema: subscriptionViewSchema }, 404: { description: 'unknown id' } },
    async handler({ params, body }, _req, res) {
      const enabled = body.enabled ?? true;
      const doc = await updateAndPublish(params.id, () => ({
        url: body.url,
        eventTypes: unique(body.eventTypes),
        description: body.description ?? null,
        metadata: body.metadata ?? null,
        filter: body.filter ?? null,
        transform: body.transform ?? null,
        headers: body.headers ?? null,
        enabled,
        ...(enabled ? { disabledReason: null } : {}),
      }));
      res.json(toView(doc));
    },
  });

  defineRoute(ctx, {
    method: 'patch',
    path: '/subscription/:id',
    summary: 'Change some fields (the dispatcher disables with {enabled: false, disabledReason})',
    tags,
    params: schemas.idParams,
    body: schemas.patchBody,
    responses: {
      200: { description: 'changed', schema: subscriptionViewSchema },
      404: { description: 'unknown id' },
      409: { description: 'too many subscriptions with a rateLimit or an ordering' },
    },
    async handler({ params, body }, _req, res) {
      const changes: SubscriptionChanges = {
        url: body.url,
        eventTypes: body.eventTypes ? unique(body.eventTypes) : undefined,
        description: body.description,
        metadata: body.metadata,
        enabled: body.enabled,
        disabledReason: body.disabledReason,
        filter: body.filter,
        transform: body.transform,
        headers: body.headers,
        rateLimit: body.rateLimit,
      };
      await fifoQueues.checkCapacity(store, params.id, body);
      // Re-enabling means the reason it was disabled no longer holds.
      if (body.enabled === true) changes.disabledReason = null;
      const doc = await updateAndPublish(params.id, (current) => {
        // A change of ordering applies to events stamped a moment after this write (see FifoQueues).
        const next: SubscriptionChanges =
          body.ordering !== undefined && body.ordering !== (current.ordering ?? null)
            ? { ...changes, ordering: body.ordering, orderingSince: new Date(Date.now() + ORDERING_SWITCH_DELAY_MS) }
            : changes;
        return body.signing === undefined ? next : { ...next, ...schemeChange(current, body.signing ?? 'hmac-sha256') };
      });
      res.json(toView(doc));
    },
  });

  defineRoute(ctx, {
    method: 'delete',
    path: '/subscription/:id',
    summary: 'Delete a subscription',
    tags,
    params: schemas.idParams,
    responses: { 204: { description: 'deleted' }, 404: { description: 'unknown id' } },
    async handler({ params }, _req, res) {
      if (!(await store.delete(params.id))) throw notFound(params.id);
      await feed.deleted(params.id);
      res.status(204).end();
    },
  });

  defineRoute(ctx, {
    method: 'get',
    path: '/subscription/:id/secret',
    summary: "The subscription's signing secret (whsec_…)",
    tags,
    params: schemas.idParams,
    responses: { 200: { description: 'the secret', schema: secretSchema }, 404: { description: 'unknown id' } },
    async handler({ params }, _req, res) {
      const doc = await store.get(params.id);
      if (!doc) throw notFound(params.id);
      res.json(secretView(doc.secret));
    },
  });

  defineRoute(ctx, {
    method: 'post',
    path: '/subscription/:id/secret/rotate',
    summary: 'New secret; the old one keeps signing (both signatures sent) for the grace period',
    tags,
    params: schemas.idParams,
    body: schemas.rotateBody,
    bodyOptional: true,
    responses: { 200: { description: 'rotated', schema: rotatedSecretSchema }, 404: { description: 'unknown id' } },
    async handler({ params, body }, _req, res) {
      const graceMs = (body?.grace_hours ?? ctx.secretGraceHours) * HOUR_MS;
      const doc = await updateAndPublish(params.id, (current) =>
        rotation(current.secret, newSecretFor(current.signing), graceMs),
      );
      res.json({
        ...secretView(doc.secret),
        previous_secret_expires_at: doc.previousSecretExpiresAt?.toISOString() ?? null,
      });
    },
  });
}
