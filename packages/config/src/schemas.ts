import { z } from 'zod';
import { bool, commaList, logLevel, mongoUrl, port, positiveNumber, rabbitmqUrl, retrySchedule } from './fields';

const managementUrl = z
  .url({ protocol: /^https?$/, message: 'expected an http(s) URL' })
  .describe('RabbitMQ management API, for queue depths on the dashboard (GET /queues)');

/** Variables every app reads. */
const common = {
  RABBITMQ_URL: rabbitmqUrl,
  LOG_LEVEL: logLevel,
  NODE_ENV: z.string().default('development'),
  // Prefix of every exchange and queue name; tests use a unique one each. Changing it in production
  // orphans the durable queues under the old names (see packages/broker/src/topology.ts).
  HOOKLINE_NAMESPACE: z
    .string()
    .regex(/^[a-z][a-z0-9_-]{0,31}$/, 'expected lower-case letters, digits, _ or - (at most 32)')
    .default('hookline'),
  QUEUE_TYPE: z
    .enum(['classic', 'quorum'], { message: 'expected classic or quorum' })
    .default('classic')
    .describe('RabbitMQ queue type: quorum on a cluster (replicated), classic on one node'),
  API_KEYS: commaList.describe('management API keys; unset = protected mode (loopback clients only)'),
  HOST: z
    .string()
    .min(1)
    .default('127.0.0.1')
    .describe('interface the HTTP server listens on; 0.0.0.0 to accept other machines (containers do)'),
  PUBLIC_HOSTS: commaList.describe('host names served besides localhost, 127.0.0.1 and [::1] (421 for others)'),
  EXTRA_EVENT_TYPES: commaList.describe('event types subscriptions may name besides the catalog'),
  DATA_DIR: z.string().default('.hookline').describe('local state: the embedded MongoDB, generated JWT secrets'),
  TENANT_TOKEN_SECRET: z
    .string()
    .min(32, 'expected at least 32 characters')
    .optional()
    .describe('signs tenant tokens; the same in every app; required in production, else generated into DATA_DIR'),
};

const standaloneMongo = { MONGO_URL: mongoUrl.default('mongodb://localhost:27017/hookline') };

export const photoAppEnv = z.object({
  ...common,
  ...standaloneMongo,
  PORT: port(3001),
  PRODUCER_KEYS: commaList.describe('keys that may only publish (POST /events); API_KEYS publish too'),
  OUTBOX_RELAY_AFTER_MS: positiveNumber(5000, 'a positive number of milliseconds').describe(
    'an event a crash or an outage left unpublished is published again after this long',
  ),
});
export const subscriptionsEnv = z.object({
  ...common,
  ...standaloneMongo,
  PORT: port(3002),
  SECRET_ROTATION_GRACE_HOURS: positiveNumber(24, 'a positive number of hours'),
  ALLOW_PRIVATE_TARGETS: bool(false),
  MAX_SUBSCRIPTIONS_PER_TENANT: positiveNumber(1000, 'a positive integer').describe(
    'subscriptions one tenant may have; a create over it is a 422',
  ),
  MAX_CONTROLLED_SUBSCRIPTIONS_PER_TENANT: positiveNumber(100, 'a positive integer').describe(
    'subscriptions one tenant may give a rateLimit or an ordering (the deployment allows 900 in all); over it is a 409',
  ),
  PUBLIC_URL: z
    .url({ message: 'expected an http(s) URL' })
    .optional()
    .describe('where people reach Hookline: portal links are <PUBLIC_URL>/portal#token=…'),
});
export const dispatcherEnv = z.object({
  ...common,
  ...standaloneMongo,
  PORT: port(3003),
  SUBSCRIPTIONS_URL: z.url({ message: 'expected an http(s) URL' }).default('http://localhost:3002'),
  RETRY_SCHEDULE: retrySchedule,
  DELIVERY_TIMEOUT_MS: positiveNumber(15_000, 'a positive number of milliseconds'),
  DELIVERY_RETENTION_DAYS: positiveNumber(30, 'a positive number of days'),
  DISABLE_AFTER_HOURS: positiveNumber(120, 'a positive number of hours'),
  MAX_IN_FLIGHT_PER_SUBSCRIPTION: positiveNumber(10, 'a positive integer'),
  DELIVERY_CONCURRENCY: positiveNumber(200, 'a positive integer'),
  FANOUT_INLINE_MAX: positiveNumber(1000, 'a positive integer').describe(
    'the widest fan-out the fan-out consumer attempts itself; wider events go through the deliver queue',
  ),
  SUBSCRIPTION_RESYNC_MS: positiveNumber(60_000, 'a positive number of milliseconds').describe(
    'how often a dispatcher re-reads the subscription snapshot, a backstop for a lost change message',
  ),
  ALLOW_PRIVATE_TARGETS: bool(false),
  RABBITMQ_MANAGEMENT_URL: managementUrl.optional(),
});
export const gatewayEnv = z.object({
  ...common,
  ...standaloneMongo,
  PORT: port(4444),
  JWT_SECRET: z.string().min(32, 'expected at least 32 characters').optional(),
  REFRESH_JWT_SECRET: z.string().min(32, 'expected at least 32 characters').optional(),
  GATEWAY_USERS: commaList.describe('name:password pairs seeded at start'),
  STATION_RETENTION: positiveNumber(7 * 24 * 3600, 'a positive number of seconds').describe(
    'how long a station keeps messages for consumer groups that have not pulled them (seconds)',
  ),
  MAX_GROUPS_PER_STATION: positiveNumber(20, 'a positive integer').describe('consumer groups one station may have'),
  STATION_GROUP_MAX_MESSAGES: positiveNumber(100_000, 'a positive integer').describe(
    'messages a consumer group queue holds at most (x-max-length; the oldest are dropped beyond)',
  ),
  STATION_GROUP_MAX_BYTES: positiveNumber(100 * 1024 * 1024, 'a positive number of bytes').describe(
    'message bytes a consumer group queue holds at most (x-max-length-bytes; the oldest are dropped beyond)',
  ),
  MAX_LONG_POLLS_PER_USER: positiveNumber(10, 'a positive integer').describe(
    'concurrent consume/batch requests one gateway user may hold open, per gateway instance',
  ),
  MAX_TOKEN_EXPIRY_MINUTES: positiveNumber(24 * 60, 'a positive number of minutes').describe(
    'longest access token lifetime a client may ask for',
  ),
  MAX_REFRESH_TOKEN_EXPIRY_MINUTES: positiveNumber(30 * 24 * 60, 'a positive number of minutes').describe(
    'longest refresh token lifetime a client may ask for',
  ),
});

/** The web app's settings (dashboard and tenant portal), read by whichever process serves it. */
const web = {
  PORTAL_FRAME_ANCESTORS: z
    .string()
    .regex(/^[^;,\r\n]*$/, 'expected CSP frame-ancestors sources separated by spaces')
    .default("'self'")
    .describe("CSP frame-ancestors of /portal: who may embed it in an iframe (e.g. 'self' https://app.example.com)"),
  PORTAL_NAME: z
    .string()
    .max(100)
    .default('Webhooks')
    .describe('portal title when the tenant has no portalName metadata'),
  PORTAL_LOGO_URL: z
    .url({ protocol: /^https?$/, message: 'expected an http(s) URL' })
    .optional()
    .describe('portal logo when the tenant has no portalLogoUrl metadata'),
  PORTAL_ACCENT: z
    .string()
    .regex(/^#[0-9a-fA-F]{6}$/, 'expected a colour as #rrggbb')
    .default('#4f46e5')
    .describe('portal accent colour when the tenant has no portalAccent metadata'),
};
export const webEnv = z.object({
  LOG_LEVEL: logLevel,
  NODE_ENV: common.NODE_ENV,
  PORT: port(3004),
  HOST: common.HOST,
  PUBLIC_HOSTS: common.PUBLIC_HOSTS,
  ...web,
});

/** `npm start`: one process, every app; MONGO_URL unset means the embedded MongoDB under `.hookline/`. */
export const hooklineEnv = z.object({
  ...common,
  ...photoAppEnv.shape,
  ...dispatcherEnv.shape,
  ...gatewayEnv.shape,
  ...subscriptionsEnv.shape,
  PORT: port(3000),
  MONGO_URL: mongoUrl.optional(),
  // One machine, receivers on localhost: private targets are allowed unless switched off.
  ALLOW_PRIVATE_TARGETS: bool(true),
  SUBSCRIPTIONS_URL: z.string().optional(),
  // One machine: the local broker's management plugin, when it runs (GET /queues says when not).
  RABBITMQ_MANAGEMENT_URL: managementUrl.default('http://guest:guest@localhost:15672'),
  ...web,
});

export type PhotoAppConfig = z.infer<typeof photoAppEnv>;
export type SubscriptionsConfig = z.infer<typeof subscriptionsEnv>;
export type DispatcherConfig = z.infer<typeof dispatcherEnv>;
export type GatewayConfig = z.infer<typeof gatewayEnv>;
export type HooklineConfig = z.infer<typeof hooklineEnv>;
export type WebConfig = z.infer<typeof webEnv>;

/**
 * An app's config less what belongs to its process (the port and the MongoDB URL): what the app's
 * start function takes, in its own process or inside `npm start`.
 */
export type AppSettings<Config> = Omit<Config, 'PORT' | 'MONGO_URL'>;
export type PhotoAppSettings = AppSettings<PhotoAppConfig>;
export type SubscriptionsSettings = AppSettings<SubscriptionsConfig>;
export type DispatcherSettings = AppSettings<DispatcherConfig>;
export type GatewaySettings = AppSettings<GatewayConfig>;
