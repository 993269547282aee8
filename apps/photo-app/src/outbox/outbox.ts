import type { EventEnvelope } from '@hookline/contracts';
import type { Logger } from '@hookline/http';
import type { Model } from 'mongoose';
import type { EventPublisher } from '../publisher';
import { failpoint } from './failpoint';

/**
 * A transactional outbox without transactions: the event a write announces is stored INSIDE the
 * document written (one document write is atomic in MongoDB), published, then cleared. A crash or an
 * outage between those steps leaves the event in the document, and the relay publishes it later under
 * the same event id, so a receiver sees the same `webhook-id` and can drop a repeat.
 */
export interface PendingEvent {
  event: EventEnvelope;
  /** When the last publish attempt started: the relay leaves alone what a request is still publishing. */
  attemptAt: Date;
}

/** The field of a document that holds its unpublished event (absent once published). */
export const OUTBOX_FIELD = 'outbox';

/** The two writes the outbox makes in a collection whose documents carry a pending event. */
export interface OutboxStore {
  name: string;
  /** Clears the pending event once published; conditional on its id, so it never removes another one. */
  markSent(id: unknown, eventId: string): Promise<unknown>;
  /** Takes one pending event whose last attempt started before `before`, moving that attempt to `now`. */
  lease(before: Date, now: Date): Promise<{ id: unknown; event: EventEnvelope } | null>;
}

export function outboxStore<T extends { outbox?: PendingEvent }>(model: Model<T>): OutboxStore {
  return {
    name: model.modelName,
    markSent: (id, eventId) => model.updateOne({ _id: id, 'outbox.event.id': eventId }, { $unset: { outbox: 1 } }),
    async lease(before, now) {
      const doc = await model
        .findOneAndUpdate(
          { 'outbox.attemptAt': { $lte: before } },
          { $set: { 'outbox.attemptAt': now } },
          { returnDocument: 'after', projection: { outbox: 1 } },
        )
        .lean<{ _id: unknown; outbox?: PendingEvent }>();
      return doc?.outbox ? { id: doc._id, event: doc.outbox.event } : null;
    },
  };
}

export function pendingEvent(event: EventEnvelope, now = new Date()): PendingEvent {
  return { event, attemptAt: now };
}

/** What a request learnt about its event: on RabbitMQ now, or left to the relay. */
export type PublishOutcome = 'published' | 'pending';

/**
 * The request's own attempt after the document (with its pending event) was written. Never throws:
 * the document exists and the event will go out, so the client hears success either way.
 */
export async function publishPending(
  store: OutboxStore,
  id: unknown,
  event: EventEnvelope,
  publisher: EventPublisher,
  logger: Logger,
): Promise<PublishOutcome> {
  failpoint('outbox.written');
  try {
    await publisher.publishEnvelope(event);
  } catch (err) {
    logger.warn({ err: (err as Error).message, eventId: event.id }, 'photo_app.outbox_publish_deferred');
    return 'pending';
  }
  failpoint('outbox.published');
  await store.markSent(id, event.id).catch((err: unknown) =>
    // Published but not marked: the relay republishes it with the same id, a harmless duplicate.
    logger.warn({ err: (err as Error).message, eventId: event.id }, 'photo_app.outbox_mark_failed'),
  );
  failpoint('outbox.marked');
  return 'published';
}

export interface RelayOptions {
  stores: OutboxStore[];
  publisher: EventPublisher;
  logger: Logger;
  /** Pending events whose last attempt is older than this are published again. */
  afterMs: number;
  /** How often the relay looks. */
  intervalMs: number;
}

/**
 * Publishes events left pending by a crash or an outage. Each is leased first (attemptAt moved to now
 * by one findOneAndUpdate), so two instances of the app rarely publish the same one twice, and a
 * request still publishing its own event is left alone.
 */
export function startOutboxRelay(options: RelayOptions): { runOnce(): Promise<number>; stop(): Promise<void> } {
  const { stores, publisher, logger, afterMs, intervalMs } = options;
  let running: Promise<number> | undefined;
  let stopped = false;

  async function relayFrom(store: OutboxStore): Promise<number> {
    let sent = 0;
    while (!stopped) {
      const now = new Date();
      const pending = await store.lease(new Date(now.getTime() - afterMs), now);
      if (!pending) return sent;
      // A publish failure ends the round: RabbitMQ is down, the lease expires and the next round retries.
      await publisher.publishEnvelope(pending.event);
      await store.markSent(pending.id, pending.event.id);
      sent++;
    }
    return sent;
  }

  async function round(): Promise<number> {
    let sent = 0;
    for (const store of stores) {
      try {
        sent += await relayFrom(store);
      } catch (err) {
        logger.warn({ err: (err as Error).message, collection: store.name }, 'photo_app.outbox_relay_failed');
      }
    }
    if (sent > 0) logger.info({ sent }, 'photo_app.outbox_relayed');
    return sent;
  }

  const runOnce = () => {
    running ??= round().finally(() => {
      running = undefined;
    });
    return running;
  };
  const timer = setInterval(() => void runOnce(), intervalMs);
  timer.unref();
  return {
    runOnce,
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running;
    },
  };
}
