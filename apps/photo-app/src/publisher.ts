import { type Broker, BrokerUnavailableError, type TopologyNames } from '@hookline/broker';
import { createEnvelope, EVENT_ENVELOPE_APP_ID, type EventEnvelope } from '@hookline/contracts';
import { counter } from '@hookline/http';

/** How long a request waits for RabbitMQ's confirm: well inside the 2 s a client is promised a 503 by. */
export const CONFIRM_WAIT_MS = 1500;

export interface EventPublisher {
  /**
   * Resolves with the envelope once RabbitMQ has confirmed it; rejects with BrokerUnavailableError
   * otherwise. `id` replaces the generated event id (a producer's own id).
   */
  publish(type: string, data: unknown, id?: string, tenant?: string): Promise<EventEnvelope>;
  /** The same for an envelope made earlier (an outbox's pending event keeps its id on every attempt). */
  publishEnvelope(envelope: EventEnvelope): Promise<EventEnvelope>;
}

const published = counter('hookline_events_published_total', 'events published to RabbitMQ, by outcome', ['outcome']);

/** Publishes envelopes to the events exchange, routing key = event type (topology.ts explains why). */
export function createEventPublisher(broker: Broker, names: TopologyNames, waitMs = CONFIRM_WAIT_MS): EventPublisher {
  const exchange = names.eventsExchange;
  const publisher: EventPublisher = {
    publish(type, data, id, tenant) {
      // `tenant` limits the event to that tenant's subscriptions.
      const envelope: EventEnvelope = {
        ...createEnvelope(type, data),
        ...(id === undefined ? {} : { id }),
        ...(tenant === undefined ? {} : { tenant }),
      };
      return publisher.publishEnvelope(envelope);
    },
    async publishEnvelope(envelope) {
      const content = Buffer.from(JSON.stringify(envelope));
      let timer: NodeJS.Timeout | undefined;
      // The broker's own confirm timeout belongs to the process (5 s by default); an HTTP client must
      // hear within 2 s, so the wait is bounded here. A confirm that still arrives later means the event
      // exists although the client got a 503: at least once, a retry may duplicate it (README).
      const deadline = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new BrokerUnavailableError('RabbitMQ did not confirm in time')), waitMs);
      });
      try {
        await Promise.race([
          broker.publish(exchange, envelope.type, content, {
            messageId: envelope.id,
            contentType: 'application/json',
            appId: EVENT_ENVELOPE_APP_ID,
            persistent: true,
          }),
          deadline,
        ]);
      } catch (err) {
        published.inc({ outcome: 'failed' });
        throw err instanceof BrokerUnavailableError ? err : new BrokerUnavailableError((err as Error).message);
      } finally {
        clearTimeout(timer);
      }
      published.inc({ outcome: 'confirmed' });
      return envelope;
    },
  };
  return publisher;
}
