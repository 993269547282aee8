// @hookline/http extends zod with `.openapi()`; importing it first makes that true in every process.
import '@hookline/http';
import { stationNameSchema } from '@hookline/contracts';
import { z } from 'zod';
import { passwordSchema, usernameSchema } from './users';

/**
 * Every request body the gateway validates, described once: the same schemas validate requests and
 * document them in OpenAPI.
 */

export const MAX_BATCH_ITEMS = 1000;
export const MAX_PULL_BATCH = 1000;
export const DEFAULT_PULL_BATCH = 10;
export const DEFAULT_PULL_WAIT_MS = 5000;
/** A long poll longer than this risks proxies' idle timeouts (often 30 to 60 s); larger asks are capped. */
export const MAX_PULL_WAIT_MS = 30_000;

const minutes = z.number().positive('must be a positive number of minutes');

export const authenticateBody = z
  .object({
    username: z.string().min(1, 'required').max(256),
    password: z.string().min(1, 'required').max(1024),
    account_id: z.union([z.number(), z.string().max(64)]).optional(),
    token_expiry_in_minutes: minutes
      .optional()
      .openapi({ description: 'default 15; capped at MAX_TOKEN_EXPIRY_MINUTES (1 day)' }),
    refresh_token_expiry_in_minutes: minutes.optional().openapi({
      description: 'default 300; capped at MAX_REFRESH_TOKEN_EXPIRY_MINUTES (30 days)',
    }),
  })
  .openapi('GatewayAuthenticate');

export const refreshBody = z
  .object({
    jwt_refresh_token: z.string().min(1, 'required'),
    token_expiry_in_minutes: minutes.optional(),
    refresh_token_expiry_in_minutes: minutes.optional(),
  })
  .openapi('GatewayRefreshToken');

export const tokensResponse = z
  .object({
    jwt: z.string(),
    expires_in: z.number().openapi({ description: 'milliseconds' }),
    jwt_refresh_token: z.string(),
    refresh_token_expires_in: z.number().openapi({ description: 'milliseconds' }),
  })
  .openapi('GatewayTokens');

export const createUserBody = z
  .object({ username: usernameSchema, password: passwordSchema })
  .openapi('GatewayUserInput');
export const userParams = z.object({ username: usernameSchema });
export const changePasswordBody = z.object({ password: passwordSchema }).openapi('GatewayPasswordInput');

/**
 * Memphis treats station and consumer names case-insensitively (it lower-cases them), so a client's
 * `/stations/STATION_NAME/...` is the station `station_name`. The lower-cased name must then pass
 * the catalog's rule (it becomes the event type `station.<name>` and part of queue names).
 */
export const stationNameInput = z.string().toLowerCase().pipe(stationNameSchema);
export const stationParams = z.object({ station: stationNameInput });

// Group names become part of a queue name (`<ns>.station.<station>.<group>`): same rules as stations.
export const consumerNameSchema = stationNameInput;

export const consumeBody = z
  .object({
    consumer_name: consumerNameSchema,
    consumer_group: consumerNameSchema.optional().openapi({ description: 'default: consumer_name' }),
    batch_size: z.number().int().min(1).max(MAX_PULL_BATCH).default(DEFAULT_PULL_BATCH),
    batch_max_wait_time_ms: z
      .number()
      .int()
      .min(0)
      .default(DEFAULT_PULL_WAIT_MS)
      .transform((ms) => Math.min(ms, MAX_PULL_WAIT_MS))
      .openapi({ description: `default ${DEFAULT_PULL_WAIT_MS}; capped at ${MAX_PULL_WAIT_MS}` }),
  })
  .openapi('GatewayConsumeBatch');

export const stationSchemaInput = z
  .discriminatedUnion('type', [
    z.object({
      type: z.literal('json'),
      schema: z.record(z.string(), z.unknown()).openapi({ description: 'a JSON Schema (draft-07), compiled by ajv' }),
    }),
    z.object({
      type: z.literal('protobuf'),
      definition: z.string().min(1).max(65_536).openapi({ description: 'the .proto text' }),
      message: z
        .string()
        .min(1)
        .max(256)
        .openapi({ description: 'the message type bodies must decode as', example: 'Order' }),
    }),
  ])
  .openapi('StationSchemaInput');
export type StationSchemaInput = z.infer<typeof stationSchemaInput>;

export const produceResponse = z.object({ error: z.null(), success: z.literal(true) }).openapi('StationProduced');
export const stationErrorResponse = z.object({ success: z.literal(false), error: z.string() }).openapi('StationError');
export const batchResponse = z
  .object({
    success: z.boolean(),
    error: z.string().nullable(),
    sent: z.number().int(),
    fail: z.number().int(),
    errors: z.array(z.string()),
  })
  .openapi('StationBatchResult');
export const pulledMessages = z
  .array(z.object({ message: z.string(), headers: z.record(z.string(), z.string()) }))
  .openapi('StationMessages');
