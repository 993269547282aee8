import { DEFAULT_TENANT, type SigningScheme, type SubscriptionRecord } from '@hookline/contracts';
import { isSigningKey, publicKeyOf } from '@hookline/signing';
import { type Connection, type Model, Schema } from 'mongoose';
import type { SubscriptionView } from './schemas';

/** A subscription as stored. `_id` is the public id (`sub_<ULID>`), so ids sort by creation time. */
export interface SubscriptionDoc {
  _id: string;
  /** Absent on subscriptions created before tenants existed: those belong to `default`. */
  tenant?: string;
  url: string;
  eventTypes: string[];
  description?: string;
  secret: string;
  previousSecret?: string;
  previousSecretExpiresAt?: Date;
  enabled: boolean;
  disabledReason?: string;
  metadata?: Record<string, string>;
  // What the subscription asks of its deliveries: which events, in what shape, with which headers (packages/rules).
  filter?: Record<string, unknown>;
  transform?: string;
  headers?: Record<string, string>;
  /** Absent means hmac-sha256; with ed25519 `secret` and `previousSecret` are whsk_ keys. */
  signing?: SigningScheme;
  /** Delivery controls: deliveries per second, FIFO, and when `ordering` last changed. */
  rateLimit?: number;
  ordering?: 'fifo';
  orderingSince?: Date;
  /** Set on subscriptions made by /webhook or /webhooks/: see registrations.ts. */
  registration?: string;
  createdAt: Date;
  updatedAt: Date;
}

const subscriptionSchema = new Schema<SubscriptionDoc>(
  {
    _id: { type: String, required: true },
    tenant: String,
    url: { type: String, required: true },
    eventTypes: { type: [String], required: true },
    description: String,
    secret: { type: String, required: true },
    previousSecret: String,
    previousSecretExpiresAt: Date,
    enabled: { type: Boolean, required: true },
    disabledReason: String,
    // Mixed rather than Map: lean reads return a plain object, and keys are validated by zod.
    metadata: Schema.Types.Mixed,
    filter: Schema.Types.Mixed,
    transform: String,
    headers: Schema.Types.Mixed,
    signing: String,
    rateLimit: Number,
    ordering: String,
    orderingSince: Date,
    registration: String,
    // Set by the store, not by mongoose `timestamps`: updatedAt doubles as the change version and the
    // store keeps it strictly increasing per subscription.
    createdAt: { type: Date, required: true },
    updatedAt: { type: Date, required: true },
  },
  { versionKey: false, collection: 'subscriptions', minimize: true },
);
// The dispatcher matches by event type and the webhooks-by-event routes look subscriptions up by url.
subscriptionSchema.index({ eventTypes: 1 });
subscriptionSchema.index({ url: 1 });
// Tenant-scoped lists page by id; the per-tenant limit counts by tenant.
subscriptionSchema.index({ tenant: 1, _id: 1 });
// One subscription per /webhook or /webhooks/ registration, decided by the insert itself (registrations.ts).
subscriptionSchema.index({ registration: 1 }, { unique: true, sparse: true });

export type SubscriptionModel = Model<SubscriptionDoc>;

export function subscriptionModel(db: Connection): SubscriptionModel {
  return (
    (db.models.Subscription as SubscriptionModel | undefined) ??
    db.model<SubscriptionDoc>('Subscription', subscriptionSchema)
  );
}

export const tenantOf = (doc: SubscriptionDoc): string => doc.tenant ?? DEFAULT_TENANT;

/** The secrets a delivery is signed with right now: the current one, and the previous during its grace. */
export function activeSecrets(doc: SubscriptionDoc, now = new Date()): string[] {
  const previousValid = doc.previousSecret && doc.previousSecretExpiresAt && doc.previousSecretExpiresAt > now;
  return previousValid && doc.previousSecret ? [doc.secret, doc.previousSecret] : [doc.secret];
}

export function toSubscriptionView(doc: SubscriptionDoc): SubscriptionView {
  return {
    id: doc._id,
    tenant: tenantOf(doc),
    url: doc.url,
    eventTypes: doc.eventTypes,
    ...(doc.description !== undefined && doc.description !== null ? { description: doc.description } : {}),
    enabled: doc.enabled,
    ...(doc.disabledReason ? { disabledReason: doc.disabledReason } : {}),
    ...(doc.metadata ? { metadata: doc.metadata } : {}),
    ...(doc.filter ? { filter: doc.filter } : {}),
    ...(doc.transform ? { transform: doc.transform } : {}),
    ...(doc.headers ? { headers: doc.headers } : {}),
    signing: doc.signing ?? 'hmac-sha256',
    ...(doc.rateLimit ? { rateLimit: doc.rateLimit } : {}),
    ...(doc.ordering ? { ordering: doc.ordering } : {}),
    createdAt: doc.createdAt.toISOString(),
    updatedAt: doc.updatedAt.toISOString(),
  };
}

/**
 * A subscription as a list shows it: without its custom headers. A header value is often the
 * receiver's credential (`Authorization`, `X-Api-Key`), and a list, like the signing secret, carries
 * none; `GET /subscription/:id` shows them to whoever may edit them.
 */
export function toListedSubscriptionView(doc: SubscriptionDoc): SubscriptionView {
  const { headers: _credentials, ...view } = toSubscriptionView(doc);
  return view;
}

/** What the dispatchers receive (feed and snapshot): secrets included, an expired previous one left out. */
export function toRecord(doc: SubscriptionDoc, now = new Date()): SubscriptionRecord {
  const [, previous] = activeSecrets(doc, now);
  return {
    id: doc._id,
    tenant: tenantOf(doc),
    url: doc.url,
    eventTypes: doc.eventTypes,
    enabled: doc.enabled,
    secret: doc.secret,
    previousSecret: previous ?? null,
    previousSecretExpiresAt: previous && doc.previousSecretExpiresAt ? doc.previousSecretExpiresAt.toISOString() : null,
    filter: doc.filter ?? null,
    transform: doc.transform ?? null,
    headers: doc.headers ?? null,
    signing: doc.signing ?? null,
    version: doc.updatedAt.getTime(),
    rateLimit: doc.rateLimit ?? null,
    ordering: doc.ordering ?? null,
    orderingSince: doc.orderingSince ? doc.orderingSince.getTime() : null,
  };
}

/**
 * What the secret routes show: an HMAC secret is shared with the receiver; of an ed25519 key only the
 * public half is, so the private key never leaves Hookline.
 */
export function secretView(secret: string): { secret: string } | { publicKey: string } {
  return isSigningKey(secret) ? { publicKey: publicKeyOf(secret) } : { secret };
}
