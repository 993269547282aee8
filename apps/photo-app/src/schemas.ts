import { EVENT_ID_PATTERN, eventTypeSchema, tenantIdSchema } from '@hookline/contracts';
import { z } from 'zod';

/**
 * Every request and response shape of the photo app, defined once: the routes validate with these
 * and the OpenAPI registry documents the same objects, so the docs cannot drift from the server.
 * Documentation rides on zod's own `.meta()` (zod-to-openapi reads it) rather than `.openapi()`:
 * zod 4 adds methods per instance, so `.openapi()` is missing on schemas built before the extension
 * ran, such as `eventTypeSchema` when `@hookline/contracts` is imported first. Ids are `Photo…` so
 * they cannot collide with other apps' components in the combined `/openapi.json`.
 */

export const LIMITS = {
  photoId: 128,
  username: 64,
  subject: 200,
  message: 10_000,
  idempotencyKey: 128,
  listDefault: 100,
  listMax: 1000,
} as const;

export const photoIdParams = z.object({
  id: z
    .string()
    .min(1)
    .max(LIMITS.photoId, `must be at most ${LIMITS.photoId} characters`)
    .regex(/^[A-Za-z0-9_-]+$/, 'must contain only letters, digits, _ and -')
    .meta({ description: 'the photo id', example: '123' }),
});

export const likeResponse = z
  .object({ id: z.string(), type: z.literal('LIKED_PHOTO'), photoId: z.string() })
  .meta({ id: 'PhotoLikeAccepted' });

export const usernameSchema = z
  .string()
  .min(1, 'must not be empty')
  .max(LIMITS.username, `must be at most ${LIMITS.username} characters`)
  .regex(/^[A-Za-z0-9_.-]+$/, 'must contain only letters, digits and _ . -')
  .meta({ example: 'alice' });

/** Whether RabbitMQ confirmed the event during the request, or the outbox relay will publish it. */
const eventStatus = z.enum(['published', 'pending']).meta({
  description:
    'published: RabbitMQ confirmed the event; pending: it is stored with the record and published within seconds ' +
    'of RabbitMQ being reachable, under the same eventId',
});

export const createUserBody = z.object({ username: usernameSchema }).meta({ id: 'PhotoCreateUser' });

export const userSchema = z
  .object({ id: z.string(), username: z.string(), createdAt: z.iso.datetime() })
  .meta({ id: 'PhotoUser' });
export const createdUserResponse = userSchema
  .extend({ eventId: z.string().meta({ description: 'id of the user_registered event' }), eventStatus })
  .meta({ id: 'PhotoUserCreated' });

export const listQuery = z
  .object({
    limit: z.coerce
      .number()
      .int()
      .min(1)
      .max(LIMITS.listMax)
      .default(LIMITS.listDefault)
      .meta({
        description: `at most this many items (default ${LIMITS.listDefault}, max ${LIMITS.listMax}), oldest first`,
      }),
    cursor: z
      .string()
      .regex(/^[0-9a-f]{24}$/, 'must be a next_cursor value from a previous page')
      .optional()
      .meta({ description: 'the next_cursor of the previous page' }),
  })
  // An unknown parameter (a typo, `limit[]=`) is a 400, not silently ignored.
  .strict();
export const userListResponse = z
  .object({ data: z.array(userSchema), next_cursor: z.string().nullable() })
  .meta({ id: 'PhotoUserList' });

export const sendMessageBody = z
  .object({
    sender: usernameSchema,
    recipient: usernameSchema,
    subject: z.string().max(LIMITS.subject, `must be at most ${LIMITS.subject} characters`),
    message: z.string().max(LIMITS.message, `must be at most ${LIMITS.message} characters`),
  })
  .meta({ id: 'PhotoSendMessage' });

export const messageSchema = z
  .object({
    id: z.string(),
    sender: z.string(),
    recipient: z.string(),
    subject: z.string(),
    message: z.string(),
    createdAt: z.iso.datetime(),
  })
  .meta({ id: 'PhotoMessage' });
export const createdMessageResponse = messageSchema
  .extend({ eventId: z.string().meta({ description: 'id of the user_send_message event' }), eventStatus })
  .meta({ id: 'PhotoMessageCreated' });

export const messagesQuery = listQuery.extend({ recipient: usernameSchema });
export const messageListResponse = z
  .object({ data: z.array(messageSchema), next_cursor: z.string().nullable() })
  .meta({ id: 'PhotoMessageList' });

export const publishEventBody = z
  .object({
    type: eventTypeSchema
      // A station event on the bus is one the gateway accepted (JWT, station schema): never forged here.
      .refine((t) => !t.startsWith('station.'), 'station.* events are published by the gateway only')
      .meta({
        description: 'any well-formed type: catalogued types and your own app events alike (not station.*)',
        example: 'order_created',
      }),
    // Required (null is fine): a producer that forgot `data` most likely sent the wrong shape.
    data: z
      .unknown()
      .refine((v) => v !== undefined, 'is required (use null for no payload)')
      .meta({ description: 'the event payload subscribers receive as `data` (any JSON)' }),
    id: z
      .string()
      .regex(EVENT_ID_PATTERN, 'must be 1-128 letters, digits or _ . : -, starting with a letter or digit')
      .optional()
      .meta({ description: 'your own event id; it is also the idempotency key unless a header gives one' }),
    tenant: tenantIdSchema.optional().meta({
      description: "only this tenant's subscriptions receive it; without one, every tenant's matching ones",
      example: 'acme',
    }),
  })
  .meta({ id: 'PhotoPublishEvent' });

// Visible ASCII only: the key is echoed in logs and compared byte for byte.
export const idempotencyKeySchema = z
  .string()
  .min(1)
  .max(LIMITS.idempotencyKey, `must be at most ${LIMITS.idempotencyKey} characters`)
  .regex(/^[\x21-\x7e]+$/, 'must be visible ASCII characters');

export const idempotencyHeaders = z.object({
  'idempotency-key': idempotencyKeySchema.optional().meta({
    description: 'a repeat with the same key within 24 h returns the first response and publishes nothing',
  }),
});

export const publishedEventResponse = z
  .object({ id: z.string(), type: z.string(), timestamp: z.iso.datetime({ offset: true }) })
  .meta({ id: 'PhotoEventAccepted' });
