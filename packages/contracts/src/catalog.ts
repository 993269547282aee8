import { z } from 'zod';

/**
 * The event catalog: the first-party event types Hookline's own apps publish, plus the gateway's
 * station events (`station.<name>`). Subscriptions are validated against it (a typo such as
 * `LIKED_PHOTOS` is a 400, not a subscription that silently never fires). `POST /events` accepts
 * any well-formed type, so a web app can publish its own events; those reach `*` subscribers and
 * any type an operator declares with `EXTRA_EVENT_TYPES`.
 */
export const FIRST_PARTY_EVENT_TYPES = ['LIKED_PHOTO', 'user_registered', 'user_send_message'] as const;
export type FirstPartyEventType = (typeof FIRST_PARTY_EVENT_TYPES)[number];

/** Subscribing to `*` means every event type, present and future. */
export const WILDCARD_EVENT_TYPE = '*';

export const EVENT_TYPE_MAX_LENGTH = 128;
// Letters, digits and `_ . : -`, starting with a letter or digit. Dots are allowed because station
// events are `station.<name>`; no spaces or `*`/`#` so a type is always a literal AMQP routing key.
export const EVENT_TYPE_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.:-]*$/;

export const eventTypeSchema = z
  .string()
  .min(1, 'must not be empty')
  .max(EVENT_TYPE_MAX_LENGTH, `must be at most ${EVENT_TYPE_MAX_LENGTH} characters`)
  .regex(EVENT_TYPE_PATTERN, 'must contain only letters, digits and _ . : - and start with a letter or digit');

export const STATION_NAME_MAX_LENGTH = 64;
export const STATION_NAME_PATTERN = /^[a-z0-9][a-z0-9_-]*$/;
export const stationNameSchema = z
  .string()
  .min(1)
  .max(STATION_NAME_MAX_LENGTH, `must be at most ${STATION_NAME_MAX_LENGTH} characters`)
  .regex(STATION_NAME_PATTERN, 'must be lower-case letters, digits, _ or -, starting with a letter or digit');

export const STATION_EVENT_PREFIX = 'station.';
export function stationEventType(station: string): string {
  return `${STATION_EVENT_PREFIX}${station}`;
}

export function isStationEventType(type: string): boolean {
  return (
    type.startsWith(STATION_EVENT_PREFIX) &&
    stationNameSchema.safeParse(type.slice(STATION_EVENT_PREFIX.length)).success
  );
}

/** True when subscriptions may name this type (the catalog, stations, operator-declared extras). */
export function isCatalogued(type: string, extra: readonly string[] = []): boolean {
  return (
    (FIRST_PARTY_EVENT_TYPES as readonly string[]).includes(type) || isStationEventType(type) || extra.includes(type)
  );
}
