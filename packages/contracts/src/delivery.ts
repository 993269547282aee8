import { z } from 'zod';
import { eventEnvelopeSchema } from './envelope';
import { readQueueJson } from './queue-message';
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
  // True when the delivery's record is written as pending as it is queued (a wide fan-out, a rate
  // limit): its first attempt then updates that record instead of trying to insert it.
  recorded: z.boolean().optional(),
  event: eventEnvelopeSchema,
});
export type DeliveryTask = z.infer<typeof deliveryTaskSchema>;

export const DELIVERY_STATUSES = ['pending', 'delivered', 'failed'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

/**
 * The AMQP `type` of a delivery task message Hookline wrote itself, in the shape above. Its consumers
 * (the deliver queue: retries, parked deliveries, replays, wide fan-outs) check that shape cheaply
 * instead of running zod over it on every hop. Change the version with the shape: a message without
 * this type (queued by an older version, or by hand) is parsed in full.
 */
export const DELIVERY_TASK_TYPE = 'hookline.delivery-task.v1';

/** The body and properties of a delivery task message; callers add routing details such as `expiration`. */
export function deliveryTaskMessage(task: DeliveryTask): {
  content: Buffer;
  properties: { messageId: string; contentType: string; type: string };
} {
  return {
    content: Buffer.from(JSON.stringify(task)),
    properties: { messageId: task.id, contentType: 'application/json', type: DELIVERY_TASK_TYPE },
  };
}

/** The task a message carries, or undefined when it carries none. */
export function readDeliveryTask(content: Buffer, type: string | undefined): DeliveryTask | undefined {
  return readQueueJson(content, type === DELIVERY_TASK_TYPE, hasDeliveryTaskShape, deliveryTaskSchema);
}

/** The fields the dispatcher reads, with their types: enough for a message Hookline wrote itself. */
function hasDeliveryTaskShape(value: unknown): value is DeliveryTask {
  if (typeof value !== 'object' || value === null) return false;
  const t = value as Record<string, unknown>;
  const event = t.event as Record<string, unknown> | null | undefined;
  return (
    typeof t.id === 'string' &&
    t.id.startsWith('msg_') &&
    typeof t.eventId === 'string' &&
    typeof t.subscriptionId === 'string' &&
    Number.isInteger(t.attempt) &&
    (t.attempt as number) >= 1 &&
    Number.isInteger(t.round) &&
    Number.isInteger(t.parked) &&
    (t.recorded === undefined || typeof t.recorded === 'boolean') &&
    typeof event === 'object' &&
    event !== null &&
    typeof event.id === 'string' &&
    typeof event.type === 'string' &&
    typeof event.timestamp === 'string'
  );
}
