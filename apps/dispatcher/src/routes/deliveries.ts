import { HttpError, managementAuth, type OpenAPIRegistry } from '@hookline/http';
import { Router } from 'express';
import { z } from 'zod';
import { STORED_STATUSES } from '../store/models';
import type { DeliveryModels } from '../store/models';

const listQuery = z.object({
  subscriptionId: z.string().max(128).optional(),
  eventId: z.string().max(128).optional(),
  status: z.enum(STORED_STATUSES).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(50),
  cursor: z
    .string()
    .regex(/^\d+_[A-Za-z0-9_-]+$/, 'must be a next_cursor value from a previous page')
    .optional(),
});
const deliveryIdParam = z.string().regex(/^msg_[A-Za-z0-9_-]{1,64}$/, 'must be a delivery id (msg_...)');

function present(d: Record<string, unknown>) {
  const { _id, event, ...rest } = d;
  return { id: _id, ...rest, event };
}

/** The read API of deliveries and their attempts, newest first, with cursor pagination. */
export function deliveriesRouter(
  models: DeliveryModels,
  apiKeys: readonly string[],
  registry: OpenAPIRegistry,
): Router {
  const router = Router();
  const auth = managementAuth(apiKeys);

  router.get('/deliveries', auth, async (req, res) => {
    const q = listQuery.parse(req.query);
    const filter: Record<string, unknown> = {};
    if (q.subscriptionId) filter.subscriptionId = q.subscriptionId;
    if (q.eventId) filter.eventId = q.eventId;
    if (q.status) filter.status = q.status;
    if (q.cursor) {
      const sep = q.cursor.indexOf('_');
      const at = new Date(Number(q.cursor.slice(0, sep)));
      const id = q.cursor.slice(sep + 1);
      filter.$or = [{ createdAt: { $lt: at } }, { createdAt: at, _id: { $lt: id } }];
    }
    const docs = await models.Delivery.find(filter)
      .sort({ createdAt: -1, _id: -1 })
      .limit(q.limit + 1)
      .lean();
    const page = docs.slice(0, q.limit);
    const last = page[page.length - 1];
    res.json({
      data: page.map((d) => present(d as never)),
      next_cursor: docs.length > q.limit && last ? `${new Date(last.createdAt).getTime()}_${last._id}` : null,
    });
  });

  router.get('/deliveries/:id', auth, async (req, res) => {
    const id = deliveryIdParam.safeParse(req.params.id);
    if (!id.success) throw new HttpError(400, 'invalid_id', 'the delivery id must look like msg_...');
    const d = await models.Delivery.findById(id.data).lean();
    if (!d) throw new HttpError(404, 'not_found', `no delivery ${id.data}`);
    const attempts = await models.Attempt.find({ deliveryId: id.data }).sort({ attempt: 1, at: 1 }).lean();
    res.json({
      ...present(d as never),
      attempts: attempts.map(({ _id, deliveryId: _d, subscriptionId: _s, ...a }) => a),
    });
  });

  registry.registerPath({
    method: 'get',
    path: '/deliveries',
    summary: 'List deliveries, newest first',
    request: { query: listQuery },
    responses: { 200: { description: '`{data, next_cursor}`' } },
  });
  registry.registerPath({
    method: 'get',
    path: '/deliveries/{id}',
    summary: 'One delivery with its attempt log',
    request: { params: z.object({ id: deliveryIdParam }) },
    responses: { 200: { description: 'the delivery and its attempts' }, 404: { description: 'unknown delivery' } },
  });
  return router;
}
