import type { Broker, ConsumeMessage, Disposition, TopologyNames } from '@hookline/broker';
import { type DeliveryTask, deliveryTaskMessage, readEventEnvelope, recordTenant } from '@hookline/contracts';
import type { Logger } from '@hookline/http';
import { matchesFilter } from '@hookline/rules';
import type { DeliveryControls } from '../controls/delivery-controls';
import { deliveryId } from '../delivery/delivery-id';
import type { DeliveryLoop } from '../delivery/delivery-loop';
import type { SubscriptionIndex } from '../matching/subscription-index';
import type { DeliveryStore } from '../store/delivery-store';

/**
 * Fan-out: one delivery per (event, matching subscription), with ids derived from the two so a
 * redelivered event makes the same `webhook-id`s.
 *
 * One hop for the common case: up to `inlineMax` matched deliveries are attempted right here, through
 * the delivery loop (within the in-flight limits); only retries, parked deliveries and dead letters go
 * through queues. A wider fan-out is published as one delivery message per subscription, as before,
 * so one event never holds thousands of requests. Either way the event is acked only once every
 * delivery is settled (attempted and recorded, or its message confirmed by RabbitMQ): a crash before
 * that redelivers the event, which recreates the same delivery ids.
 */
export function fanoutHandler(deps: {
  broker: Broker;
  names: TopologyNames;
  index: SubscriptionIndex;
  store: DeliveryStore;
  loop: DeliveryLoop;
  /** The widest fan-out attempted in-process; wider ones go through the deliver queue. */
  inlineMax: number;
  logger: Logger;
  /** Rate limits and FIFO ordering: FIFO events are left to their queues, limited deliveries diverted. */
  controls?: DeliveryControls;
}): (msg: ConsumeMessage) => Promise<Disposition> {
  return async (msg) => {
    const envelope = readEventEnvelope(msg.content, msg.properties.appId);
    if (!envelope) {
      deps.logger.error({ routingKey: msg.fields.routingKey }, 'fanout.invalid_event');
      return 'reject'; // to the dead queue, for a human to look at
    }
    // The station's raw origin is for pull consumers; subscribers get {type, timestamp, data}.
    const { station: _station, ...event } = envelope;
    // Matching happens before the first await: see SubscriptionIndex on ordering.
    const controls = deps.controls;
    // A subscription's payload filter is part of matching: a non-matching event creates no delivery.
    let subs = deps.index.matchEvent(event).filter((s) => !s.filter || matchesFilter(s.filter, event));
    if (controls) subs = subs.filter((s) => !controls.leavesToFifo(s, event));
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

    if (subs.length <= deps.inlineMax) {
      const settled = await Promise.allSettled(
        tasks.map((t, i) => {
          const sub = subs[i];
          // A rate-limited subscription's delivery waits in its own queue for its pace.
          return sub?.rateLimit && controls ? controls.hold(t, sub) : deps.loop.settle(t, sub);
        }),
      );
      const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
      // A system fault on any one delivery leaves the event unacked: it comes back and the settled
      // ones are repeated with the same webhook-ids (at least once).
      if (failed) throw failed.reason;
      return 'ack';
    }

    const now = new Date();
    const record = () => Promise.all(tasks.map((t) => deps.store.recordCreated(t, now)));
    const publish = () =>
      Promise.all(
        tasks.map(async (t, i) => {
          const diverted = subs[i]?.rateLimit ? await controls?.divert(subs[i]) : undefined;
          const { content, properties } = deliveryTaskMessage({ ...t, recorded: true });
          return deps.broker.publish(
            diverted ? '' : deps.names.deliveriesExchange,
            diverted ?? deps.names.deliverRoutingKey,
            content,
            properties,
          );
        }),
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
