import { randomFillSync } from 'node:crypto';
import { monotonicFactory } from 'ulid';
import { z } from 'zod';
import { eventTypeSchema } from './catalog';
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

/** Exactly what a subscriber receives: the Standard Webhooks payload shape. */
export type WebhookPayload = Pick<EventEnvelope, 'type' | 'timestamp' | 'data'>;

export function createEnvelope(type: string, data: unknown, now = new Date()): EventEnvelope {
  return { id: newId('evt'), type, timestamp: now.toISOString(), data };
}

export function toWebhookPayload(event: EventEnvelope): WebhookPayload {
  return { type: event.type, timestamp: event.timestamp, data: event.data };
}
