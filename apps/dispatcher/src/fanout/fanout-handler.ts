import type { Broker, ConsumeMessage, Disposition, TopologyNames } from '@hookline/broker';
import { type DeliveryTask, eventEnvelopeSchema, recordTenant } from '@hookline/contracts';
import type { Logger } from '@hookline/http';
import { deliveryId } from '../delivery/delivery-id';
import type { SubscriptionIndex } from '../matching/subscription-index';
import type { DeliveryStore } from '../store/delivery-store';

/**
 * Fan-out: one delivery per (event, matching subscription), recorded and published to the
 * deliveries exchange. The event is acked only after every delivery is confirmed by RabbitMQ; a
 * crash before that redelivers the event, which recreates the same delivery ids.
 */
export function fanoutHandler(deps: {
  broker: Broker;
  names: TopologyNames;
  index: SubscriptionIndex;
  store: DeliveryStore;
  logger: Logger;
}): (msg: ConsumeMessage) => Promise<Disposition> {
  return async (msg) => {
    let parsed: unknown;
    try {
      parsed = JSON.parse(msg.content.toString('utf8'));
    } catch {
      parsed = undefined;
    }
    const result = eventEnvelopeSchema.safeParse(parsed);
    if (!result.success) {
      deps.logger.error({ routingKey: msg.fields.routingKey }, 'fanout.invalid_event');
      return 'reject'; // to the dead queue, for a human to look at
    }
    // The station's raw origin is for pull consumers; subscribers get {type, timestamp, data}.
    const { station: _station, ...event } = result.data;
    // Matching happens before the first await: see SubscriptionIndex on ordering.
    const subs = deps.index.matchEvent(event);
    if (subs.length === 0) return 'ack';
    const tasks: DeliveryTask[] = subs.map((s) => ({
      id: deliveryId(event.id, s.id),
      eventId: event.id,
      subscriptionId: s.id,
      tenant: recordTenant(s),
      attempt: 1,
      round: 0,
      parked: 0,
      event,
    }));
    const now = new Date();
    const record = () => Promise.all(tasks.map((t) => deps.store.recordCreated(t, now)));
    const publish = () =>
      Promise.all(
        tasks.map((t) =>
          deps.broker.publish(
            deps.names.deliveriesExchange,
            deps.names.deliverRoutingKey,
            Buffer.from(JSON.stringify(t)),
            {
              messageId: t.id,
              contentType: 'application/json',
            },
          ),
        ),
      );
    // The record is not on the path to the receiver (an attempt that lands first creates it, see
    // DeliveryStore), so both start at once; the event is acked once both are done. While MongoDB is
    // failing, record first: an event requeued for want of its record has then published nothing.
    if (deps.store.writable) await Promise.all([record(), publish()]);
    else {
      await record();
      await publish();
    }
    return 'ack';
  };
}
