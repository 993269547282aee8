import type { ConsumeMessage, Disposition } from '@hookline/broker';
import { readDeliveryTask } from '@hookline/contracts';
import { type DeliverDeps, DeliveryLoop } from './delivery-loop';

export type { DeliverDeps, SubscriptionControl } from './delivery-loop';

/**
 * The deliver queue's consumer: retries, parked deliveries, replays and wide fan-outs come back
 * here and go through the same delivery loop as the fan-out's in-process attempts.
 */
export function deliverHandler(
  deps: DeliverDeps,
  loop = new DeliveryLoop(deps),
): (msg: ConsumeMessage) => Promise<Disposition> {
  return async (msg) => {
    const task = readDeliveryTask(msg.content, msg.properties.type);
    if (!task) {
      deps.logger.error({ messageId: msg.properties.messageId }, 'delivery.invalid_task');
      return 'reject';
    }
    await loop.settle(task);
    return 'ack';
  };
}
