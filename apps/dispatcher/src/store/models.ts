import { DELIVERY_STATUSES } from '@hookline/contracts';
import { type Connection, type Model, Schema } from 'mongoose';

/**
 * The dispatcher's own collection: `deliveries`, one document per event x subscription with its
 * attempts inside it (the last ATTEMPTS_KEPT in full, `attempts` counts them all). Expires after
 * DELIVERY_RETENTION_DAYS. Statuses: pending (queued or retrying), delivered, failed
 * (dead-lettered), paused (its subscription is disabled; re-enabling resumes it).
 */
export const STORED_STATUSES = [...DELIVERY_STATUSES, 'paused'] as const;
export type StoredStatus = (typeof STORED_STATUSES)[number];

/** How many attempts a delivery document keeps in full; older ones are only counted. */
export const ATTEMPTS_KEPT = 20;

export interface AttemptDoc {
  attempt: number;
  /** 0 for the original delivery, +1 per replay, recovery or resumption. */
  round: number;
  at: Date;
  durationMs: number;
  statusCode: number | null;
  error: string | null;
  responseBody: string | null;
  nextAttemptAt: Date | null;
  /** As sent and as received, credentials redacted (delivery/recorded-headers); absent before they were kept. */
  requestHeaders?: Record<string, string>;
  responseHeaders?: Record<string, string>;
  /** The body as sent when a transformation made it (capped); otherwise the event's payload. */
  requestBody?: string;
}

export interface DeliveryDoc {
  _id: string;
  eventId: string;
  eventType: string;
  subscriptionId: string;
  /** The subscription's tenant; absent on deliveries recorded before tenants existed (`default`). */
  tenant?: string;
  status: StoredStatus;
  /**
   * Orders status writes: a write changes `status` only if its sequence is higher (see
   * `statusSequence`), so late or duplicate writers cannot move a delivery backwards.
   */
  seq: number;
  /** Every attempt ever made, including those no longer in `attemptLog`. */
  attempts: number;
  attemptLog: AttemptDoc[];
  event: unknown;
  createdAt: Date;
  updatedAt: Date;
  lastAttemptAt?: Date | null;
  nextAttemptAt?: Date | null;
  lastStatusCode?: number | null;
  lastError?: string | null;
  /** Replays, recoveries and resumptions so far. */
  rounds?: number;
  /** Set while a requeue holds the delivery (its message not yet confirmed); a lease, not a lock. */
  claimedUntil?: Date | null;
}

/** DELIVERY_RETENTION_DAYS as the TTL index's expireAfterSeconds. */
export const retentionSeconds = (days: number): number => Math.round(days * 24 * 3600);

export function deliveryModels(db: Connection, retentionDays: number) {
  const ttl = retentionSeconds(retentionDays);
  const attemptSchema = new Schema<AttemptDoc>(
    {
      attempt: Number,
      round: Number,
      at: Date,
      durationMs: Number,
      statusCode: Number,
      error: String,
      responseBody: String,
      nextAttemptAt: Date,
      requestHeaders: Schema.Types.Mixed,
      responseHeaders: Schema.Types.Mixed,
      requestBody: String,
    },
    { _id: false },
  );
  const deliverySchema = new Schema<DeliveryDoc>(
    {
      _id: String,
      eventId: { type: String, required: true, index: true },
      eventType: String,
      subscriptionId: { type: String, required: true },
      tenant: String,
      status: { type: String, enum: STORED_STATUSES, required: true },
      seq: { type: Number, default: 0 },
      attempts: { type: Number, default: 0 },
      attemptLog: { type: [attemptSchema], default: [] },
      rounds: { type: Number, default: 0 },
      event: Schema.Types.Mixed,
      createdAt: { type: Date, required: true },
      updatedAt: { type: Date, required: true },
      lastAttemptAt: Date,
      nextAttemptAt: Date,
      lastStatusCode: Number,
      lastError: String,
      claimedUntil: Date,
    },
    { collection: 'deliveries', versionKey: false },
  );
  deliverySchema.index({ subscriptionId: 1, status: 1 });
  // Which subscriptions have paused deliveries, asked on every snapshot: only paused ones are indexed.
  deliverySchema.index({ status: 1, subscriptionId: 1 }, { partialFilterExpression: { status: 'paused' } });
  deliverySchema.index({ createdAt: 1 }, { expireAfterSeconds: ttl });
  // `GET /deliveries?tenant=` and every tenant token's list: newest first within a tenant.
  deliverySchema.index({ tenant: 1, createdAt: -1, _id: -1 });

  return {
    // Registered once per connection: `npm start` may build several apps on one connection.
    Delivery:
      (db.models.Delivery as Model<DeliveryDoc> | undefined) ?? db.model<DeliveryDoc>('Delivery', deliverySchema),
  };
}
export type DeliveryModels = ReturnType<typeof deliveryModels>;
