import { randomFillSync } from 'node:crypto';
import { monotonicFactory } from 'ulid';
import { z } from 'zod';
import { eventTypeSchema } from './catalog';
import { readQueueJson } from './queue-message';
import { tenantIdSchema } from './tenant';

/**
 * ulid's default generator asks the OS for one random byte per character (16 calls per id); on a hot
 * path making an id per event and per delivery that cost more than the rest of the id. Bytes come from
 * a 4 KB pool refilled from the same CSPRNG instead.
 */
const pool = Buffer.alloc(4096);
let poolAt = pool.length;
function pooledRandom(): number {
  if (poolAt === pool.length) {
    randomFillSync(pool);
    poolAt = 0;
  }
  return (pool[poolAt++] as number) / 256;
}

// ULIDs sort by creation time, so ids double as a cursor for pagination; the monotonic factory keeps
// ids from one process strictly increasing within the same millisecond.
const nextUlid = monotonicFactory(pooledRandom);

export function newId(prefix: 'evt' | 'msg' | 'sub' | 'att' | 'ten'): string {
  return `${prefix}_${nextUlid()}`;
}

/**
 * Hookline makes `evt_<ULID>` ids; a producer may bring its own id (`POST /events {id}`), which then
 * doubles as its idempotency key, so any id of this shape is accepted.
 */
export const EVENT_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$/;

/** What the gateway received, byte for byte, for pull consumers of a station. */
export const stationOriginSchema = z.object({
  contentType: z.string(),
  headers: z.record(z.string(), z.string()),
  bodyBase64: z.string(),
});
export type StationOrigin = z.infer<typeof stationOriginSchema>;

/** What travels on `hookline.events`. */
export const eventEnvelopeSchema = z.object({
  id: z.string().regex(EVENT_ID_PATTERN),
  type: eventTypeSchema,
  timestamp: z.iso.datetime({ offset: true }),
  data: z.unknown(),
  // Only on station events: the original request, for pull consumers. Never sent to subscribers.
  station: stationOriginSchema.optional(),
  // The tenant whose subscriptions alone receive this event; absent = every tenant's (a broadcast).
  tenant: tenantIdSchema.optional(),
  // A test event (`POST /subscription/:id/test`) goes to this one subscription and nobody else.
  targetSubscriptionId: z.string().optional(),
});
export type EventEnvelope = z.infer<typeof eventEnvelopeSchema>;

/**
 * The AMQP `appId` of an event Hookline published itself, in the shape above. The dispatcher reads
 * such an event with a cheap shape check instead of running zod over it (the id and timestamp
 * patterns) once per event: zod stays at the edges, where producers' input is validated before it is
 * published. An event without this tag (published by hand, or by something else on the exchange) is
 * parsed in full. Change the version with the shape.
 */
export const EVENT_ENVELOPE_APP_ID = 'hookline.event-envelope.v1';

/** The event a message on the events exchange carries, or undefined when it carries none. */
export function readEventEnvelope(content: Buffer, appId: string | undefined): EventEnvelope | undefined {
  return readQueueJson(content, appId === EVENT_ENVELOPE_APP_ID, hasEnvelopeShape, eventEnvelopeSchema);
}

/** The fields the dispatcher reads, with their types: enough for an event Hookline wrote itself. */
function hasEnvelopeShape(value: unknown): value is EventEnvelope {
  if (typeof value !== 'object' || value === null) return false;
  const e = value as Record<string, unknown>;
  return (
    typeof e.id === 'string' &&
    typeof e.type === 'string' &&
    typeof e.timestamp === 'string' &&
    (e.tenant === undefined || typeof e.tenant === 'string') &&
    (e.targetSubscriptionId === undefined || typeof e.targetSubscriptionId === 'string') &&
    (e.station === undefined || (typeof e.station === 'object' && e.station !== null))
  );
}

/** Exactly what a subscriber receives: the Standard Webhooks payload shape. */
export type WebhookPayload = Pick<EventEnvelope, 'type' | 'timestamp' | 'data'>;

export function createEnvelope(type: string, data: unknown, now = new Date()): EventEnvelope {
  return { id: newId('evt'), type, timestamp: now.toISOString(), data };
}

export function toWebhookPayload(event: EventEnvelope): WebhookPayload {
  return { type: event.type, timestamp: event.timestamp, data: event.data };
}
