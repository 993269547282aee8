import { DELIVERY_STATUSES } from '@hookline/contracts';
import { type Connection, type Model, Schema } from 'mongoose';

/**
 * The dispatcher's own collections: `deliveries` (one per event x subscription) and
 * `delivery_attempts` (one per HTTP attempt). Both expire after DELIVERY_RETENTION_DAYS.
 * Statuses: pending (queued or retrying), delivered, failed (dead-lettered), paused (its
 * subscription is disabled; re-enabling resumes it).
 */
export const STORED_STATUSES = [...DELIVERY_STATUSES, 'paused'] as const;
export type StoredStatus = (typeof STORED_STATUSES)[number];

export interface DeliveryDoc {
  _id: string;
  eventId: string;
  eventType: string;
  subscriptionId: string;
  /** The subscription's tenant; absent on deliveries recorded before tenants existed (`default`). */
  tenant?: string;
  status: StoredStatus;
  attempts: number;
  event: unknown;
  createdAt: Date;
  updatedAt: Date;
  lastAttemptAt?: Date | null;
  nextAttemptAt?: Date | null;
  lastStatusCode?: number | null;
  lastError?: string | null;
  /** Replays and recoveries so far. */
  rounds?: number;
}

export interface AttemptDoc {
  deliveryId: string;
  subscriptionId: string;
  attempt: number;
  /** 0 for the original delivery, +1 per replay or recovery. */
  round: number;
  at: Date;
  durationMs: number;
  statusCode: number | null;
  error: string | null;
  responseBody: string | null;
  nextAttemptAt: Date | null;
}

export function deliveryModels(db: Connection, retentionDays: number) {
  const ttl = Math.round(retentionDays * 24 * 3600);
  const deliverySchema = new Schema<DeliveryDoc>(
    {
      _id: String,
      eventId: { type: String, required: true, index: true },
      eventType: String,
      subscriptionId: { type: String, required: true },
      tenant: String,
      status: { type: String, enum: STORED_STATUSES, required: true },
      attempts: { type: Number, default: 0 },
      rounds: { type: Number, default: 0 },
      event: Schema.Types.Mixed,
      createdAt: { type: Date, required: true },
      updatedAt: { type: Date, required: true },
      lastAttemptAt: Date,
      nextAttemptAt: Date,
      lastStatusCode: Number,
      lastError: String,
    },
    { collection: 'deliveries', versionKey: false },
  );
  deliverySchema.index({ subscriptionId: 1, status: 1 });
  deliverySchema.index({ createdAt: 1 }, { expireAfterSeconds: ttl });
  // `GET /deliveries?tenant=` and every tenant token's list: newest first within a tenant.
  deliverySchema.index({ tenant: 1, createdAt: -1, _id: -1 });

  const attemptSchema = new Schema<AttemptDoc>(
    {
      deliveryId: { type: String, required: true },
      subscriptionId: String,
      attempt: Number,
      round: { type: Number, default: 0 },
      at: { type: Date, required: true },
      durationMs: Number,
      statusCode: Number,
      error: String,
      responseBody: String,
      nextAttemptAt: Date,
    },
    { collection: 'delivery_attempts', versionKey: false },
  );
  attemptSchema.index({ deliveryId: 1, round: 1, attempt: 1 });
  attemptSchema.index({ at: 1 }, { expireAfterSeconds: ttl });

  return {
    // Registered once per connection: `npm start` may build several apps on one connection.
    Delivery:
      (db.models.Delivery as Model<DeliveryDoc> | undefined) ?? db.model<DeliveryDoc>('Delivery', deliverySchema),
    Attempt: (db.models.Attempt as Model<AttemptDoc> | undefined) ?? db.model<AttemptDoc>('Attempt', attemptSchema),
  };
}
export type DeliveryModels = ReturnType<typeof deliveryModels>;
