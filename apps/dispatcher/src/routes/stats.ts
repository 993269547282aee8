import { defineRoute } from '@hookline/http';
import { z } from 'zod';
import { summarizeAttempts } from '../operations/delivery-stats';
import { queueDepths } from '../operations/queue-depths';
import type { AppContext } from './context';

const statsQuery = z.object({ minutes: z.coerce.number().int().min(1).max(1440).default(60) }).strict();
/** Bounds the work of one overview request on a busy install (the numbers then cover the newest ones). */
const MAX_DELIVERIES = 50_000;
const FAILING_LIMIT = 20;

/**
 * What the operator dashboard's overview shows and no other route serves (management only):
 * `GET /deliveries/stats` (attempts per minute, success rate, p50/p99, failing subscriptions) and
 * `GET /queues` (queue depths through the RabbitMQ management API, when it answers).
 */
export function statsRoutes(ctx: AppContext): void {
  const { models, failureClock, settings } = ctx;

  defineRoute(ctx, {
    method: 'get',
    path: '/deliveries/stats',
    summary: 'Attempts per minute, success rate, p50/p99 duration and failing subscriptions (the dashboard overview)',
    access: ctx.access.management,
    query: statsQuery,
    responses: {
      200: {
        description:
          '`{since, attempts, successRate, p50Ms, p99Ms, perMinute: [{minute, ok, failed}], failingSubscriptions: [{subscriptionId, failingSince, lastStatusCode, lastError, lastDeliveryId}]}`, longest failing first',
      },
    },
    async handler({ query: q }, _req, res) {
      const now = new Date();
      const since = new Date(now.getTime() - q.minutes * 60_000);
      // Attempts live inside their delivery: the deliveries attempted in the window, newest first.
      const [docs, failing] = await Promise.all([
        models.Delivery.find({ lastAttemptAt: { $gte: since } }, { attemptLog: 1 })
          .sort({ lastAttemptAt: -1 })
          .limit(MAX_DELIVERIES)
          .lean(),
        failureClock.failing(FAILING_LIMIT),
      ]);
      const samples = docs.flatMap((d) => d.attemptLog ?? []).filter((a) => new Date(a.at) >= since);
      const failingSubscriptions = await Promise.all(
        failing.map(async (f) => {
          const last = await models.Delivery.findOne({ subscriptionId: f.subscriptionId, lastError: { $ne: null } })
            .sort({ updatedAt: -1 })
            .lean();
          return {
            subscriptionId: f.subscriptionId,
            failingSince: f.failingSince.toISOString(),
            lastStatusCode: last?.lastStatusCode ?? null,
            lastError: last?.lastError ?? null,
            lastDeliveryId: last?._id ?? null,
          };
        }),
      );
      const summary = summarizeAttempts(
        samples.map((s) => ({ at: new Date(s.at), durationMs: s.durationMs ?? 0, statusCode: s.statusCode ?? null })),
        now,
        q.minutes,
      );
      res.json({ since: since.toISOString(), ...summary, failingSubscriptions });
    },
  });

  defineRoute(ctx, {
    method: 'get',
    path: '/queues',
    summary: "Depth of this namespace's RabbitMQ queues (through RABBITMQ_MANAGEMENT_URL)",
    access: ctx.access.management,
    responses: {
      200: {
        description:
          '`{available, queues: [{name, messages, ready, unacknowledged, consumers}]}`; available is false when the management API does not answer',
      },
    },
    async handler(_input, _req, res) {
      const url = settings.RABBITMQ_MANAGEMENT_URL;
      const queues = url ? await queueDepths(url, settings.RABBITMQ_URL, settings.HOOKLINE_NAMESPACE) : null;
      res.json({ available: queues !== null, queues: queues ?? [] });
    },
  });
}
