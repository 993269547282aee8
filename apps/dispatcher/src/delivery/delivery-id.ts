import { createHash } from 'node:crypto';

/**
 * The delivery id (and so the `webhook-id`) of an event for a subscription is derived from the
 * two: if the dispatcher dies after fanning out an event but before acking it, the redelivered
 * event produces the SAME delivery ids, and receivers can drop the duplicates.
 */
export function deliveryId(eventId: string, subscriptionId: string): string {
  return `msg_${createHash('sha256').update(`${eventId}\u0000${subscriptionId}`).digest('base64url').slice(0, 26)}`;
}
