import type { Broker, TopologyNames } from '@hookline/broker';
import { createEnvelope, EVENT_ENVELOPE_APP_ID, type EventEnvelope } from '@hookline/contracts';
import type { SubscriptionDoc } from './models';
import { tenantOf } from './models';

/** The type of a test event when the caller names none. */
export const TEST_EVENT_TYPE = 'hookline.test';

/**
 * Test events (`POST /subscription/:id/test`) travel the normal path: the events exchange, the
 * dispatcher's fan-out and delivery (one sender, signed, retried, recorded). The envelope names its
 * target subscription, which the dispatcher's index honours, so nobody else receives it.
 *
 * The routing key is always `hookline.test`, whatever type the caller gives: station pull queues bind
 * `station.<name>` keys, and a test of a station subscription must not land in a pull consumer's queue.
 */
export function createTestEventPublisher(broker: Broker, names: TopologyNames) {
  const exchange = names.eventsExchange;
  return async (sub: SubscriptionDoc, type: string, data: unknown): Promise<EventEnvelope> => {
    const envelope: EventEnvelope = {
      ...createEnvelope(type, data),
      tenant: tenantOf(sub),
      targetSubscriptionId: sub._id,
    };
    await broker.publish(exchange, TEST_EVENT_TYPE, Buffer.from(JSON.stringify(envelope)), {
      messageId: envelope.id,
      contentType: 'application/json',
      appId: EVENT_ENVELOPE_APP_ID,
      persistent: true,
    });
    return envelope;
  };
}
export type TestEventPublisher = ReturnType<typeof createTestEventPublisher>;
