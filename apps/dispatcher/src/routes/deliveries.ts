import { EVENT_ID_PATTERN, tenantIdSchema } from '@hookline/contracts';
import { defineRoute, HttpError, type RouteAccess, tenantScope, tenantSince } from '@hookline/http';
import { pageOf, tenantMatch } from '@hookline/runtime';
import type { Request } from 'express';
import { z } from 'zod';
import { STORED_STATUSES } from '../store/models';
import type { AppContext } from './context';

const SUBSCRIPTION_ID = /^sub_[0-9A-HJKMNP-TV-Z]{26}$/;
const subscriptionIdParam = z.string().regex(SUBSCRIPTION_ID, 'must be a subscription id (sub_...)');

const listQuery = z
  .object({
    tenant: tenantIdSchema.optional(),
    subscriptionId: subscriptionIdParam.optional(),
    eventId: z.string().regex(EVENT_ID_PATTERN, 'must be an event id').optional(),
    status: z.enum(STORED_STATUSES).optional(),
    eventType: z.string().max(128).optional(),
    since: z.iso.datetime({ offset: true }).optional().describe('created at or after'),
    until: z.iso.datetime({ offset: true }).optional().describe('created before'),
    limit: z.coerce.number().int().min(1).max(100).default(50),
    cursor: z
      .string()
      .regex(/^\d{1,15}_msg_[A-Za-z0-9_-]{1,64}$/, 'must be a next_cursor value from a previous page')
      .refine(
        (c) => !Number.isNaN(new Date(Number(c.slice(0, c.indexOf('_')))).getTime()),
        'must be a next_cursor value from a previous page',
      )
      .optional(),
  })
  // An unknown parameter (a typo, or `status[]=` syntax) must not silently widen the list.
  .strict();
const deliveryParams = z.object({
  id: z.string().regex(/^msg_[A-Za-z0-9_-]{1,64}$/, 'the delivery id must look like msg_...'),
});

const recoverBody = z.object({
  since: z.iso.datetime({ offset: true }),
  until: z.iso.datetime({ offset: true }).optional(),
});

/**
 * The tenant a request may see (a tenant token's), after refusing a filter naming another: a token
 * may know another tenant's id but never act for it.
 */
function scopeFor(req: Request, named?: string): string | undefined {
  const scope = tenantScope(req);
  if (scope !== undefined && named !== undefined && named !== scope)
    throw new HttpError(403, 'forbidden', `this token is scoped to tenant ${scope} and cannot act for tenant ${named}`);
  return scope;
}

/**
 * Whether a delivery is visible to this request: another tenant's answers exactly as an unknown id,
 * and so does one left behind by a deleted tenant whose id was given to a new one (tenantSince).
 */
function visibleTo(req: Request, d: { tenant?: string | null; createdAt?: Date }): boolean {
  const scope = tenantScope(req);
  if (scope === undefined) return true;
  if ((d.tenant ?? 'default') !== scope) return false;
  const since = tenantSince(req);
  return since === null || d.createdAt === undefined || new Date(d.createdAt) >= since;
}

/** Internal fields: the status sequence and a requeue's lease. */
const HIDDEN = { seq: 0, claimedUntil: 0 } as const;

/** A delivery record as the API shows it: `id` rather than `_id`, the event last. */
function toDeliveryView(d: Record<string, unknown>) {
  const { _id, event, ...rest } = d;
  return { id: _id, ...rest, event };
}

/** The read API of deliveries and their attempts, newest first, with cursor pagination. */
export function deliveryRoutes(ctx: Omit<AppContext, 'failureClock' | 'settings'>): void {
  const { models, requeuer, subscriptionTenant } = ctx;
  // Every route here is one a tenant token may use, scoped to its tenant.
  const access: RouteAccess = {
    ...ctx.access.tenant,
    // A path parameter that cannot be an id says which kind of id it must be.
    invalid: (part, error) =>
      part === 'params' ? new HttpError(400, 'invalid_id', error.issues[0]?.message ?? 'invalid id') : error,
  };

  defineRoute(ctx, {
    method: 'get',
    path: '/deliveries',
    summary: 'List deliveries, newest first',
    access,
    query: listQuery,
    responses: { 200: { description: "`{data, next_cursor}` (a tenant token: its tenant's only)" } },
    async handler({ query: q }, req, res) {
      const tenant = scopeFor(req, q.tenant) ?? q.tenant;
      const filter: Record<string, unknown> = {};
      if (tenant !== undefined) filter.tenant = tenantMatch(tenant);
      if (q.subscriptionId) filter.subscriptionId = q.subscriptionId;
      if (q.eventId) filter.eventId = q.eventId;
      if (q.status) filter.status = q.status;
      if (q.eventType) filter.eventType = q.eventType;
      // Never older than the tenant itself: see visibleTo.
      const tenantSinceMs = tenantSince(req)?.getTime() ?? 0;
      const since = Math.max(q.since ? Date.parse(q.since) : 0, tenantSinceMs);
      if (since > 0 || q.until)
        filter.createdAt = {
          ...(since > 0 ? { $gte: new Date(since) } : {}),
          ...(q.until ? { $lt: new Date(q.until) } : {}),
        };
      if (q.cursor) {
        const sep = q.cursor.indexOf('_');
        const at = new Date(Number(q.cursor.slice(0, sep)));
        const id = q.cursor.slice(sep + 1);
        filter.$or = [{ createdAt: { $lt: at } }, { createdAt: at, _id: { $lt: id } }];
      }
      const docs = await models.Delivery.find(filter, { ...HIDDEN, attemptLog: 0 })
        .sort({ createdAt: -1, _id: -1 })
        .limit(q.limit + 1)
        .lean();
      const page = pageOf(docs, q.limit, (last) => `${new Date(last.createdAt).getTime()}_${last._id}`);
      res.json({ data: page.data.map((d) => toDeliveryView(d as never)), next_cursor: page.nextCursor });
    },
  });

  defineRoute(ctx, {
    method: 'get',
    path: '/deliveries/:id',
    summary: 'One delivery with its attempt log',
    access,
    params: deliveryParams,
    responses: {
      200: { description: 'the delivery and its attempts' },
      404: { description: "unknown delivery, or another tenant's" },
    },
    async handler({ params: { id } }, req, res) {
      const d = await models.Delivery.findById(id, HIDDEN).lean();
      if (!d || !visibleTo(req, d)) throw new HttpError(404, 'not_found', `no delivery ${id}`);
      const { attemptLog, ...rest } = d;
      const log = [...(attemptLog ?? [])].sort(
        (a, b) => new Date(a.at).getTime() - new Date(b.at).getTime() || a.round - b.round || a.attempt - b.attempt,
      );
      res.json({
        ...toDeliveryView(rest as never),
        attempts: log,
        // The document keeps the last ATTEMPTS_KEPT attempts in full; older ones are only counted.
        attemptsOmitted: Math.max(0, (d.attempts ?? 0) - log.length),
      });
    },
  });

  defineRoute(ctx, {
    method: 'post',
    path: '/deliveries/:id/replay',
    summary: 'A new attempt of one delivery now, with the same webhook-id (any status)',
    access,
    params: deliveryParams,
    responses: {
      202: { description: 'queued' },
      404: { description: "unknown delivery, or another tenant's" },
      409: { description: 'its subscription was deleted (subscription_deleted); the record is unchanged' },
    },
    async handler({ params: { id } }, req, res) {
      const found = await models.Delivery.findById(id, { tenant: 1, subscriptionId: 1, createdAt: 1 }).lean();
      if (!found || !visibleTo(req, found)) throw new HttpError(404, 'not_found', `no delivery ${id}`);
      // A delivery whose subscription is gone cannot be attempted: say so, and leave its record as it is
      // (queueing it would mark it pending, then fail it for want of a subscription).
      if (subscriptionTenant(found.subscriptionId) === undefined)
        throw new HttpError(
          409,
          'subscription_deleted',
          `the subscription ${found.subscriptionId} of ${id} was deleted`,
        );
      const doc = await requeuer.replay(id);
      if (!doc) throw new HttpError(404, 'not_found', `no delivery ${id}`);
      res.status(202).json({ id: doc._id, status: 'pending', round: doc.rounds ?? 0 });
    },
  });

  // Lives here, not in the subscription service, because deliveries are the dispatcher's; the
  // edge routes this one path of /subscription/* to the dispatcher.
  defineRoute(ctx, {
    method: 'post',
    path: '/subscription/:id/recover',
    summary: 'Re-queue every failed delivery of a subscription created in [since, until]',
    access,
    params: z.object({
      id: z.string().regex(SUBSCRIPTION_ID, 'the subscription id must look like sub_...'),
    }),
    body: recoverBody,
    responses: {
      202: { description: '`{recovered: <count>}`' },
      404: { description: "unknown subscription, or another tenant's" },
    },
    async handler({ params: { id }, body }, req, res) {
      const owner = subscriptionTenant(id);
      if (owner === undefined || !visibleTo(req, { tenant: owner }))
        throw new HttpError(404, 'not_found', `no subscription ${id}`);
      const since = new Date(body.since);
      const until = body.until ? new Date(body.until) : undefined;
      if (until && until < since)
        throw new HttpError(400, 'validation_error', 'until must not be before since', [
          { field: 'until', message: 'must not be before since' },
        ]);
      const recovered = await requeuer.requeueAll(id, 'failed', since, until);
      res.status(202).json({ recovered });
    },
  });
}
