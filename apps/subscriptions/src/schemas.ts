import {
  EVENT_TYPE_MAX_LENGTH,
  eventTypeSchema,
  isCatalogued,
  ORDERINGS,
  RATE_LIMIT_MAX,
  RATE_LIMIT_MIN,
  SIGNING_SCHEMES,
  tenantIdSchema,
  WILDCARD_EVENT_TYPE,
} from '@hookline/contracts';
import { checkTransform, TRANSFORM_MAX_LENGTH, validateCustomHeaders, validateFilter } from '@hookline/rules';
import { z } from 'zod';
import { privateTargetReason } from './target-url';

/**
 * Every request and response shape of this app, as zod schemas. The same objects validate requests
 * and are registered in the OpenAPI document, so the two cannot drift. Some checks depend on the
 * config (extra event types, private targets), hence a factory.
 */
export const URL_MAX_LENGTH = 2048;
export const DESCRIPTION_MAX_LENGTH = 500;
export const EVENT_TYPES_MAX = 100;
export const METADATA_MAX_KEYS = 50;
// (A `__proto__` key never gets here: the JSON body parser refuses it, see jsonBody.)
export const METADATA_KEY_PATTERN = /^[A-Za-z0-9_:-]{1,64}$/;
export const METADATA_VALUE_MAX_LENGTH = 512;
export const GRACE_HOURS_MAX = 24 * 30;
// `sub_` + a Crockford base32 ULID: anything else cannot be one of ours, so it is a 400, not a lookup.
export const SUBSCRIPTION_ID_PATTERN = /^sub_[0-9A-HJKMNP-TV-Z]{26}$/;

/** Your own string labels, on subscriptions and tenants. */
export const metadataSchema = z
  .record(
    z.string().regex(METADATA_KEY_PATTERN, 'keys are 1 to 64 letters, digits, _ : or -'),
    z.string().max(METADATA_VALUE_MAX_LENGTH, `values are at most ${METADATA_VALUE_MAX_LENGTH} characters`),
  )
  .refine((m) => Object.keys(m).length <= METADATA_MAX_KEYS, `must have at most ${METADATA_MAX_KEYS} keys`)
  .openapi({ description: 'your own string labels', example: { team: 'photos' } });

export interface SchemaOptions {
  extraEventTypes: readonly string[];
  allowPrivateTargets: boolean;
  /** Types added to the event catalog at run time (`PUT /event-types/:type`), looked up in MongoDB. */
  inCatalog?: (type: string) => Promise<boolean>;
}

export function buildSchemas(options: SchemaOptions) {
  const targetUrl = z
    .string()
    .max(URL_MAX_LENGTH, `must be at most ${URL_MAX_LENGTH} characters`)
    .superRefine((value, ctx) => {
      let url: URL;
      try {
        url = new URL(value);
      } catch {
        ctx.addIssue({ code: 'custom', message: 'must be an absolute http(s) URL' });
        return;
      }
      if (url.protocol !== 'http:' && url.protocol !== 'https:') {
        ctx.addIssue({ code: 'custom', message: 'must be an http or https URL' });
        return;
      }
      // Credentials in a URL end up in logs and lists; receivers authenticate deliveries by signature.
      if (url.username || url.password) {
        ctx.addIssue({ code: 'custom', message: 'must not contain a username or password' });
        return;
      }
      const reason = privateTargetReason(url, options.allowPrivateTargets);
      if (reason) ctx.addIssue({ code: 'custom', message: reason });
    })
    .openapi({ description: 'absolute http(s) URL receiving the deliveries', example: 'https://example.com/webhook' });

  const eventType = z
    .string()
    .max(EVENT_TYPE_MAX_LENGTH, `must be at most ${EVENT_TYPE_MAX_LENGTH} characters`)
    .superRefine(async (value, ctx) => {
      if (value === WILDCARD_EVENT_TYPE || isCatalogued(value, options.extraEventTypes)) return;
      if (options.inCatalog && (await options.inCatalog(value))) return;
      ctx.addIssue({
        code: 'custom',
        message: `unknown event type "${value}" (see the catalog, or "*" for every event)`,
      });
    })
    .openapi({ description: 'a catalogued event type, or "*" for every event', example: 'LIKED_PHOTO' });

  const eventTypes = z
    .array(eventType)
    .min(1, 'must name at least one event type')
    .max(EVENT_TYPES_MAX, `must name at most ${EVENT_TYPES_MAX} event types`);

  const description = z.string().max(DESCRIPTION_MAX_LENGTH, `must be at most ${DESCRIPTION_MAX_LENGTH} characters`);

  const metadata = metadataSchema;

  const disabledReason = z.string().max(DESCRIPTION_MAX_LENGTH);

  // Filters, transformations and custom headers: each check lives in packages/rules (the dispatcher
  // runs the same code); a problem's path inside the filter becomes the detail's field: `filter.data.amount.$gte`.
  const filter = z
    .record(z.string(), z.unknown())
    .superRefine((value, ctx) => {
      for (const issue of validateFilter(value))
        ctx.addIssue({ code: 'custom', path: issue.path === '' ? [] : issue.path.split('.'), message: issue.message });
    })
    .openapi({
      description:
        'only events whose envelope {id, type, timestamp, data} matches are delivered (Hookdeck Outpost syntax: ' +
        'plain values, $eq $neq $gt $gte $lt $lte $in $nin $startsWith $endsWith $exist $and $or $not; ' +
        'at most 10 levels and 100 operators)',
      example: { data: { amount: { $gte: 100 }, currency: { $in: ['EUR', 'USD'] } } },
    });
  const transform = z
    .string()
    .min(1, 'must not be empty')
    .max(TRANSFORM_MAX_LENGTH, `must be at most ${TRANSFORM_MAX_LENGTH} characters`)
    .superRefine((value, ctx) => {
      const error = checkTransform(value);
      if (error)
        ctx.addIssue({
          code: 'custom',
          message: error.position === undefined ? error.message : `${error.message} (at position ${error.position})`,
        });
    })
    .openapi({
      description: 'a JSONata expression on the envelope; its result is the body sent (at most 50 ms, 256 KB)',
      example: '{"kind": type, "amount": data.amount}',
    });
  const headers = z
    .record(z.string(), z.string())
    .superRefine((value, ctx) => {
      for (const issue of validateCustomHeaders(value))
        ctx.addIssue({ code: 'custom', path: issue.name === '' ? [] : [issue.name], message: issue.message });
    })
    .openapi({
      description: 'up to 20 headers sent with each delivery (not webhook-*, content-*, host, connection, user-agent)',
      example: { 'X-Api-Key': 'abc123' },
    });
  const signing = z
    .enum(SIGNING_SCHEMES)
    .openapi({ description: 'hmac-sha256 (v1, whsec_ secret, the default) or ed25519 (v1a, whpk_ public key)' });
  const deliveryOptions = {
    filter: filter.optional(),
    transform: transform.optional(),
    headers: headers.optional(),
    signing: signing.optional(),
  };

  const createBody = z
    .object({
      tenant: tenantIdSchema
        .optional()
        .openapi({ description: "the owning tenant (default `default`; a tenant token's own)", example: 'acme' }),
      url: targetUrl,
      eventTypes,
      description: description.optional(),
      metadata: metadata.optional(),
      enabled: z.boolean().optional(),
      ...deliveryOptions,
      rateLimit: rateLimitSchema.optional(),
      ordering: orderingSchema.optional(),
    })
    .openapi('CreateSubscription');

  const replaceBody = z
    .object({
      tenant: tenantIdSchema.optional().openapi({ description: "the subscription's own tenant, or absent" }),
      url: targetUrl,
      eventTypes,
      description: description.optional(),
      metadata: metadata.optional(),
      enabled: z.boolean().optional().openapi({ description: 'defaults to true' }),
      ...deliveryOptions,
      signing: signing.optional().openapi({ description: 'absent keeps the current scheme' }),
    })
    .openapi('ReplaceSubscription');

  // Strict: a typo such as {"enable": false} must be a 400, not a silent no-op.
  const patchBody = z
    .strictObject({
      url: targetUrl.optional(),
      eventTypes: eventTypes.optional(),
      description: description.nullable().optional().openapi({ description: 'null removes it' }),
      enabled: z.boolean().optional().openapi({ description: 'true also clears disabledReason' }),
      metadata: metadata.nullable().optional(),
      disabledReason: disabledReason.nullable().optional(),
      filter: filter.nullable().optional().openapi({ description: 'null removes it' }),
      transform: transform.nullable().optional().openapi({ description: 'null removes it' }),
      headers: headers.nullable().optional().openapi({ description: 'null removes them' }),
      signing: signing
        .nullable()
        .optional()
        .openapi({ description: 'a new scheme makes a new key; the old one keeps signing for the grace period' }),
      rateLimit: rateLimitSchema.nullable().optional().openapi({ description: 'null removes the limit' }),
      ordering: orderingSchema
        .nullable()
        .optional()
        .openapi({ description: 'null removes FIFO; applies to events published after the change' }),
    })
    .refine((b) => Object.keys(b).length > 0, 'must change at least one field')
    .openapi('PatchSubscription');

  const rotateBody = z
    .object({
      grace_hours: z
        .number()
        .min(0)
        .max(GRACE_HOURS_MAX)
        .optional()
        .openapi({ description: 'how long the old secret keeps signing; default SECRET_ROTATION_GRACE_HOURS' }),
    })
    .openapi('RotateSecret');

  const testEventBody = z
    .strictObject({
      type: eventTypeSchema.optional().meta({ description: 'default hookline.test', example: 'LIKED_PHOTO' }),
      data: z.unknown().optional().meta({ description: 'the payload the subscriber receives as `data`' }),
    })
    .openapi('TestEvent');

  const idParams = z.object({
    id: z.string().regex(SUBSCRIPTION_ID_PATTERN, 'is not a subscription id (sub_<ULID>)').openapi({
      example: 'sub_01JB8Z3N6W9Q2V4X7Y5T1R0P3K',
    }),
  });

  const listQuery = z
    .object({
      tenant: tenantIdSchema.optional().openapi({ description: "only this tenant's" }),
      eventType: z.string().max(EVENT_TYPE_MAX_LENGTH).optional().openapi({ description: 'exact stored event type' }),
      url: z.string().max(URL_MAX_LENGTH).optional().openapi({ description: 'exact target URL' }),
      limit: z.coerce.number().int().min(1).max(100).default(50),
      cursor: z
        .string()
        .regex(SUBSCRIPTION_ID_PATTERN, 'must be a next_cursor value')
        .optional()
        .openapi({ description: 'the next_cursor of the previous page' }),
    })
    // An unknown parameter (a typo, or `eventType[]=` syntax) must not silently widen the list.
    .strict();

  // Webhooks by event (/webhook, /webhooks, /ping)
  const webhookBody = z
    .object({ event: eventType, url: targetUrl })
    .openapi('WebhookRegistration', { example: { event: 'user_registered', url: 'http://example.com/webhook' } });
  // Removal does not re-check the url: a target registered while private targets were allowed
  // must stay removable.
  const webhookRemovalBody = z
    .object({ event: z.string().max(EVENT_TYPE_MAX_LENGTH), url: z.string().max(URL_MAX_LENGTH) })
    .openapi('WebhookRemoval', { example: { event: 'user_registered', url: 'http://example.com/webhook' } });
  const eventFilterQuery = z.object({ event_filter: eventType.optional() }).strict();
  // Webhooks for all events (POST /webhooks/)
  const allEventsBody = z.object({ url: targetUrl }).openapi('AllEventsWebhook');

  return {
    createBody,
    replaceBody,
    patchBody,
    rotateBody,
    idParams,
    listQuery,
    webhookBody,
    webhookRemovalBody,
    eventFilterQuery,
    allEventsBody,
    eventType,
    testEventBody,
  };
}
export type Schemas = ReturnType<typeof buildSchemas>;

/** Delivery controls (see the dispatcher's src/controls). */
export const rateLimitSchema = z
  .number()
  .int('must be a whole number of deliveries per second')
  .min(RATE_LIMIT_MIN, `must be at least ${RATE_LIMIT_MIN}`)
  .max(RATE_LIMIT_MAX, `must be at most ${RATE_LIMIT_MAX}`)
  .openapi({ description: 'at most this many deliveries per second, over any 1-second window', example: 20 });
export const orderingSchema = z
  .enum(ORDERINGS, { message: 'must be "fifo"' })
  .openapi({ description: 'deliver one at a time, in publish order (a failing one blocks the rest)' });

/** What every route except the secret ones shows of a subscription: never a secret. */
export const subscriptionViewSchema = z
  .object({
    id: z.string(),
    tenant: z.string(),
    url: z.string(),
    eventTypes: z.array(z.string()),
    description: z.string().optional(),
    enabled: z.boolean(),
    disabledReason: z.string().optional(),
    metadata: z.record(z.string(), z.string()).optional(),
    filter: z.record(z.string(), z.unknown()).optional(),
    transform: z.string().optional(),
    headers: z.record(z.string(), z.string()).optional(),
    signing: z.enum(SIGNING_SCHEMES),
    rateLimit: z.number().optional(),
    ordering: orderingSchema.optional(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi('Subscription');
export type SubscriptionView = z.infer<typeof subscriptionViewSchema>;

export const subscriptionWithSecretSchema = subscriptionViewSchema
  .extend({
    secret: z
      .string()
      .optional()
      .openapi({ example: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', description: 'hmac-sha256 subscriptions' }),
    publicKey: z
      .string()
      .optional()
      .openapi({ description: 'ed25519 subscriptions: whpk_…, to verify v1a signatures' }),
  })
  .openapi('SubscriptionWithSecret');

export const subscriptionPageSchema = z
  .object({ data: z.array(subscriptionViewSchema), next_cursor: z.string().nullable() })
  .openapi('SubscriptionPage');

/** An HMAC subscription's secret, or an ed25519 subscription's public key (its private key is never shown). */
export const secretSchema = z
  .object({ secret: z.string().optional(), publicKey: z.string().optional() })
  .openapi('SubscriptionSecret');
export const testEventAcceptedSchema = z
  .object({ id: z.string(), type: z.string(), subscriptionId: z.string() })
  .openapi('TestEventAccepted');

export const rotatedSecretSchema = z
  .object({
    secret: z.string().optional(),
    publicKey: z.string().optional(),
    previous_secret_expires_at: z.string().nullable(),
  })
  .openapi('RotatedSecret');

export const webhookRegisteredSchema = z
  .object({ message: z.string(), url: z.string(), event: z.string() })
  .openapi('WebhookRegistered', {
    example: {
      message: 'Webhook registered successfully',
      url: 'http://example.com/webhook',
      event: 'user_registered',
    },
  });

export const webhooksByEventSchema = z
  .object({ webhooks: z.array(z.object({ event: z.string(), urls: z.array(z.string()) })) })
  .openapi('WebhooksByEvent');

export const pingResultSchema = z
  .object({
    message: z.string(),
    successful_webhooks_count: z.number().int(),
    successful_webhooks: z.array(
      z.object({ event: z.string(), url: z.string(), payload_response: z.unknown(), status_code: z.number().int() }),
    ),
    failed_webhooks_count: z.number().int(),
    failed_webhooks: z.array(
      z.object({ event: z.string(), url: z.string(), error: z.string(), status_code: z.number().int().nullable() }),
    ),
  })
  .openapi('PingResult');
export type PingResult = z.infer<typeof pingResultSchema>;

/** Optional body of `POST /ping`: any JSON, sent as the payload's `data`. */
export const pingBodySchema = z.unknown().openapi({ example: { arbitrary_key: 'test' } });
