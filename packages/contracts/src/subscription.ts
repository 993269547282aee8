import { z } from 'zod';
import { DEFAULT_TENANT, tenantIdSchema } from './tenant';

/** How deliveries are signed: Standard Webhooks `v1` (HMAC-SHA256, the default) or `v1a` (ed25519). */
export const SIGNING_SCHEMES = ['hmac-sha256', 'ed25519'] as const;
export type SigningScheme = (typeof SIGNING_SCHEMES)[number];

/** A subscription's `rateLimit` bounds, in deliveries per second. */
export const RATE_LIMIT_MIN = 1;
export const RATE_LIMIT_MAX = 10_000;
/**
 * How many subscriptions may have a rate limit or FIFO ordering. Each dispatcher consumes each such
 * subscription's queue(s) on a channel of its own, and RabbitMQ allows 2,047 channels per connection
 * (`channel_max`): 900 subscriptions with both controls take 1,800, leaving room for the rest.
 */
export const CONTROLLED_SUBSCRIPTIONS_MAX = 900;
/**
 * A change of `ordering` applies to events stamped this long after the write that makes it: by then
 * every dispatcher has the change (it travels in milliseconds), so the fan-out and the FIFO queue
 * agree on which of them delivers each event, and none is delivered by both or by neither.
 */
export const ORDERING_SWITCH_DELAY_MS = 1000;
/** A subscription's `ordering`: only FIFO is opt-in; absent means unordered. */
export const ORDERINGS = ['fifo'] as const;

/**
 * A subscription as the subscription service publishes it to the dispatchers (secrets included:
 * the dispatcher signs with them). Never returned by list endpoints.
 */
export const subscriptionRecordSchema = z.object({
  id: z.string(),
  // Absent (records published before tenants existed) means `default`: see recordTenant.
  tenant: tenantIdSchema.optional(),
  url: z.string(),
  eventTypes: z.array(z.string()),
  enabled: z.boolean(),
  secret: z.string(),
  // During a rotation the previous secret still signs until `previousSecretExpiresAt`.
  previousSecret: z.string().nullish(),
  previousSecretExpiresAt: z.string().nullish(),
  // What the subscription asks of its deliveries; absent means none. The filter and the
  // transformation were validated when saved (packages/rules), so the dispatcher only runs them.
  filter: z.record(z.string(), z.unknown()).nullish(),
  transform: z.string().nullish(),
  headers: z.record(z.string(), z.string()).nullish(),
  // `ed25519`: `secret` and `previousSecret` are whsk_ keys and signatures are `v1a`. Absent: HMAC.
  signing: z.enum(SIGNING_SCHEMES).nullish(),
  // Milliseconds since the epoch of the last write: a dispatcher keeps the newest version it has
  // seen, whichever arrives first of the snapshot and the change feed.
  version: z.number(),
  // Delivery controls (see the dispatcher's src/controls): deliveries per second, and FIFO ordering.
  rateLimit: z.number().int().min(RATE_LIMIT_MIN).max(RATE_LIMIT_MAX).nullish(),
  ordering: z.enum(ORDERINGS).nullish(),
  // When the last change of `ordering` takes effect (ms since the epoch; ORDERING_SWITCH_DELAY_MS after
  // the write): events stamped from then on follow the new value.
  orderingSince: z.number().nullish(),
});
export type SubscriptionRecord = z.infer<typeof subscriptionRecordSchema>;

/** The tenant a subscription record belongs to. */
export const recordTenant = (record: Pick<SubscriptionRecord, 'tenant'>): string => record.tenant ?? DEFAULT_TENANT;

/** Messages on the `hookline.subscriptions` fanout exchange: the dispatchers' feed. */
export const subscriptionChangeSchema = z.discriminatedUnion('op', [
  z.object({ op: z.literal('upsert'), subscription: subscriptionRecordSchema }),
  z.object({ op: z.literal('delete'), subscription: z.object({ id: z.string() }) }),
]);
export type SubscriptionChange = z.infer<typeof subscriptionChangeSchema>;
