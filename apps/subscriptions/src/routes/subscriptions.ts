import { DEFAULT_TENANT, ORDERING_SWITCH_DELAY_MS, type SigningScheme } from '@hookline/contracts';
import { defineRoute, HttpError, tenantScope } from '@hookline/http';
import type { AppContext } from '../context';
import { type SubscriptionDoc, secretView, tenantOf, toListedSubscriptionView, toSubscriptionView } from '../models';
import {
  rotatedSecretSchema,
  secretSchema,
  subscriptionPageSchema,
  subscriptionViewSchema,
  subscriptionWithSecretSchema,
  testEventAcceptedSchema,
} from '../schemas';
import { newSecretFor, type SubscriptionChanges } from '../store';
import { notFound, subscriptionWriter, visible } from '../subscription-writes';
import { TEST_EVENT_TYPE } from '../test-events';

const tags = ['subscriptions'];
const NOT_FOUND = { description: "unknown id, or another tenant's" };
/** A tenant token naming another tenant: it may know that tenant's id, but not act for it. */
export const otherTenant = (scope: string, named: string) =>
  new HttpError(403, 'forbidden', `this token is scoped to tenant ${scope} and cannot act for tenant ${named}`);
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

/** The `/subscription` CRUD, plus secrets and their rotation. */
export function registerSubscriptionRoutes(ctx: AppContext): void {
  const { store, feed, schemas, fifoQueues } = ctx;

  const updateAndPublish = subscriptionWriter(ctx);

  /** 422 unless the tenant exists and has room for `room` more subscriptions. */
  async function checkTenant(tenant: string, room = 1) {
    if (!(await ctx.tenants.exists(tenant)))
      throw new HttpError(422, 'unknown_tenant', `tenant ${tenant} does not exist`, [
        { field: 'tenant', message: `unknown tenant "${tenant}" (create it with POST /tenants)` },
      ]);
    const max = ctx.maxSubscriptionsPerTenant;
    if ((await store.countForTenant(tenant)) + room > max)
      throw new HttpError(422, 'limit_exceeded', `tenant ${tenant} has its maximum of ${max} subscriptions`, [
        { field: 'tenant', message: `at most ${max} subscriptions per tenant (MAX_SUBSCRIPTIONS_PER_TENANT)` },
      ]);
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
    access: ctx.access.tenant,
    responses: {
      201: { description: 'created', schema: subscriptionWithSecretSchema },
      409: { description: 'too many subscriptions with a rateLimit or an ordering' },
      422: { description: 'unknown tenant, or the tenant has MAX_SUBSCRIPTIONS_PER_TENANT already' },
    },
    async handler({ body }, req, res) {
      const scope = tenantScope(req);
      if (scope !== undefined && body.tenant !== undefined && body.tenant !== scope)
        throw otherTenant(scope, body.tenant);
      const tenant = scope ?? body.tenant ?? DEFAULT_TENANT;
      await checkTenant(tenant);
      await fifoQueues.checkCapacity(store, { tenant }, body);
      const doc = await store.create({ ...body, tenant, eventTypes: unique(body.eventTypes) });
      // Checked again once inserted, so concurrent creates never exceed the limit together and a
      // create racing with its tenant's deletion leaves no orphan (the delete removes subscriptions
      // after the tenant record; whichever runs second sees the other).
      try {
        await checkTenant(tenant, 0);
      } catch (err) {
        await store.delete(doc._id);
        throw err;
      }
      await fifoQueues.prepare(doc._id, doc);
      await feed.upserted(doc);
      res.status(201).json({ ...toSubscriptionView(doc), ...secretView(doc.secret) });
    },
  });

  defineRoute(ctx, {
    method: 'get',
    path: '/subscription',
    summary: 'List subscriptions (oldest first, cursor pagination; never secrets, nor custom header values)',
    tags,
    query: schemas.listQuery,
    access: ctx.access.tenant,
    responses: { 200: { description: 'one page', schema: subscriptionPageSchema } },
    async handler({ query }, req, res) {
      const scope = tenantScope(req);
      if (scope !== undefined && query.tenant !== undefined && query.tenant !== scope)
        throw otherTenant(scope, query.tenant);
      const page = await store.list({ ...query, tenant: scope ?? query.tenant });
      res.json({ data: page.data.map(toListedSubscriptionView), next_cursor: page.nextCursor });
    },
  });

  defineRoute(ctx, {
    method: 'get',
    path: '/subscription/:id',
    summary: 'One subscription (without its secret)',
    tags,
    params: schemas.idParams,
    access: ctx.access.tenant,
    responses: { 200: { description: 'found', schema: subscriptionViewSchema }, 404: NOT_FOUND },
    async handler({ params }, req, res) {
      const doc = visible(await store.get(params.id), tenantScope(req));
      if (!doc) throw notFound(params.id);
      res.json(toSubscriptionView(doc));
    },
  });

  defineRoute(ctx, {
    method: 'put',
    path: '/subscription/:id',
    summary: 'Replace url, eventTypes, description, metadata, enabled, filter, transform and headers',
    tags,
    params: schemas.idParams,
    body: schemas.replaceBody,
    access: ctx.access.tenant,
    responses: { 200: { description: 'replaced', schema: subscriptionViewSchema }, 404: NOT_FOUND },
    async handler({ params, body }, req, res) {
      const scope = tenantScope(req);
      if (scope !== undefined && body.tenant !== undefined && body.tenant !== scope)
        throw otherTenant(scope, body.tenant);
      // The owner does not change: a tenant named here must be the subscription's own.
      const enabled = body.enabled ?? true;
      const doc = await updateAndPublish(params.id, scope, (current) => {
        if (body.tenant !== undefined && body.tenant !== tenantOf(current))
          throw new HttpError(400, 'validation_error', 'a subscription cannot move to another tenant', [
            { field: 'tenant', message: `must be the subscription's own tenant (${tenantOf(current)}) or absent` },
          ]);
        return {
          url: body.url,
          eventTypes: unique(body.eventTypes),
          description: body.description ?? null,
          metadata: body.metadata ?? null,
          filter: body.filter ?? null,
          transform: body.transform ?? null,
          headers: body.headers ?? null,
          enabled,
          ...(enabled ? { disabledReason: null } : {}),
        };
      });
      res.json(toSubscriptionView(doc));
    },
  });

  defineRoute(ctx, {
    method: 'patch',
    path: '/subscription/:id',
    summary: 'Change some fields (the dispatcher disables with {enabled: false, disabledReason})',
    tags,
    params: schemas.idParams,
    body: schemas.patchBody,
    access: ctx.access.tenant,
    responses: {
      200: { description: 'changed', schema: subscriptionViewSchema },
      404: NOT_FOUND,
      409: { description: 'too many subscriptions with a rateLimit or an ordering' },
    },
    async handler({ params, body }, req, res) {
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
      // Re-enabling means the reason it was disabled no longer holds.
      if (body.enabled === true) changes.disabledReason = null;
      const doc = await updateAndPublish(
        params.id,
        tenantScope(req),
        (current) => {
          // A change of ordering applies to events stamped a moment after this write (see FifoQueues).
          const next: SubscriptionChanges =
            body.ordering !== undefined && body.ordering !== (current.ordering ?? null)
              ? { ...changes, ordering: body.ordering, orderingSince: new Date(Date.now() + ORDERING_SWITCH_DELAY_MS) }
              : changes;
          return body.signing === undefined
            ? next
            : { ...next, ...schemeChange(current, body.signing ?? 'hmac-sha256') };
        },
        (before) => fifoQueues.checkCapacity(store, { id: params.id, tenant: tenantOf(before) }, body),
      );
      res.json(toSubscriptionView(doc));
    },
  });

  defineRoute(ctx, {
    method: 'delete',
    path: '/subscription/:id',
    summary: 'Delete a subscription',
    tags,
    params: schemas.idParams,
    access: ctx.access.tenant,
    responses: { 204: { description: 'deleted' }, 404: NOT_FOUND },
    async handler({ params }, req, res) {
      if (!(await store.delete(params.id, tenantScope(req)))) throw notFound(params.id);
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
    access: ctx.access.tenant,
    responses: { 200: { description: 'the secret', schema: secretSchema }, 404: NOT_FOUND },
    async handler({ params }, req, res) {
      const doc = visible(await store.get(params.id), tenantScope(req));
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
    access: ctx.access.tenant,
    responses: { 200: { description: 'rotated', schema: rotatedSecretSchema }, 404: NOT_FOUND },
    async handler({ params, body }, req, res) {
      const graceMs = (body?.grace_hours ?? ctx.secretGraceHours) * HOUR_MS;
      const doc = await updateAndPublish(params.id, tenantScope(req), (current) =>
        rotation(current.secret, newSecretFor(current.signing), graceMs),
      );
      res.json({
        ...secretView(doc.secret),
        previous_secret_expires_at: doc.previousSecretExpiresAt?.toISOString() ?? null,
      });
    },
  });

  defineRoute(ctx, {
    method: 'post',
    path: '/subscription/:id/test',
    summary: 'Send one signed test event to this subscription only, recorded like any delivery',
    tags,
    params: schemas.idParams,
    body: schemas.testEventBody,
    bodyOptional: true,
    access: ctx.access.tenant,
    responses: { 202: { description: 'published', schema: testEventAcceptedSchema }, 404: NOT_FOUND },
    async handler({ params, body }, req, res) {
      const doc = visible(await store.get(params.id), tenantScope(req));
      if (!doc) throw notFound(params.id);
      const type = body?.type ?? TEST_EVENT_TYPE;
      const data = body?.data === undefined ? { test: true, subscriptionId: doc._id } : body.data;
      const event = await ctx.publishTestEvent(doc, type, data);
      res.status(202).json({ id: event.id, type: event.type, subscriptionId: doc._id });
    },
  });
}
