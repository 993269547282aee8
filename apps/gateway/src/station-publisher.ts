import type { Broker, TopologyNames } from '@hookline/broker';
import { EVENT_ENVELOPE_APP_ID, stationEventType } from '@hookline/contracts';
import { type StationMessage, stationEnvelope } from './message';

export interface StationPublisher {
  /** Resolves once RabbitMQ confirmed the event; rejects BrokerUnavailableError otherwise. */
  publish(station: string, message: StationMessage, tenant?: string): Promise<string>;
}

/**
 * A station message is an ordinary event of type `station.<name>` on the events exchange: the
 * dispatcher fans it out to subscribers like any event, and each consumer group's queue is bound to
 * the same routing key.
 */
export function createStationPublisher(broker: Broker, names: TopologyNames): StationPublisher {
  const exchange = names.eventsExchange;
  return {
    async publish(station, message, tenant) {
      const envelope = { ...stationEnvelope(station, message), ...(tenant === undefined ? {} : { tenant }) };
      await broker.publish(exchange, stationEventType(station), Buffer.from(JSON.stringify(envelope)), {
        contentType: 'application/json',
        messageId: envelope.id,
        type: envelope.type,
        appId: EVENT_ENVELOPE_APP_ID,
      });
      return envelope.id;
    },
  };
}
