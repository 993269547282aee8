import type { ConsumeMessage, Disposition } from '@hookline/broker';
import { type DeliveryTask, deliveryTaskSchema } from '@hookline/contracts';
import { type DeliverDeps, DeliveryLoop } from './delivery-loop';

export type { DeliverDeps, SubscriptionControl } from './delivery-loop';

function parseTask(msg: ConsumeMessage): DeliveryTask | undefined {
  try {
    const r = deliveryTaskSchema.safeParse(JSON.parse(msg.content.toString('utf8')));
    return r.success ? r.data : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The deliver queue's consumer: retries, parked deliveries, replays and wide fan-outs come back
 * here and go through the same delivery loop as the fan-out's in-process attempts.
 */
export function deliverHandler(
  deps: DeliverDeps,
  loop = new DeliveryLoop(deps),
): (msg: ConsumeMessage) => Promise<Disposition> {
  return async (msg) => {
    const task = parseTask(msg);
    if (!task) {
      deps.logger.error({ messageId: msg.properties.messageId }, 'delivery.invalid_task');
      return 'reject';
    }
    await loop.settle(task);
    return 'ack';
  };
}
