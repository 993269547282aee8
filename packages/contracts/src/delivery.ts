import { z } from 'zod';
import { eventEnvelopeSchema } from './envelope';
import { tenantIdSchema } from './tenant';

/**
 * One delivery of one event to one subscription, as it travels on `hookline.deliveries` and the
 * retry queues. The event rides along so delivering needs no database read.
 * `attempt` is 1-indexed: the first try is attempt 1.
 */
export const deliveryTaskSchema = z.object({
  id: z.string().startsWith('msg_'),
  eventId: z.string(),
  subscriptionId: z.string(),
  // The subscription's tenant (a broadcast event names none), so deliveries can be listed per tenant.
  // Absent on tasks queued before tenants existed: `default`.
  tenant: tenantIdSchema.optional(),
  attempt: z.number().int().min(1),
  // 0 for the original delivery, +1 for each replay or recovery: a replay starts the schedule over
  // with the same id, and the attempt log tells the rounds apart.
  round: z.number().int().min(0).default(0),
  // How many times in a row this delivery was parked because its receiver was slow: each park waits
  // longer (see the dispatcher's deliver handler), so a hanging receiver's backlog is not churned.
  parked: z.number().int().min(0).default(0),
  event: eventEnvelopeSchema,
});
export type DeliveryTask = z.infer<typeof deliveryTaskSchema>;

export const DELIVERY_STATUSES = ['pending', 'delivered', 'failed'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];
