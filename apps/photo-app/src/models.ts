import { type Connection, type Model, Schema } from 'mongoose';
import { type OutboxStore, outboxStore, type PendingEvent } from './outbox/outbox';

/**
 * The photo app's MongoDB collections. Collection names are frozen: renaming one orphans its data.
 */
export interface UserDoc {
  username: string;
  createdAt: Date;
  /** user_registered until RabbitMQ confirmed it (the outbox, in the same document write). */
  outbox?: PendingEvent;
}

/** A document as read with `lean()`: its fields and its id. */
export type WithId<T> = T & { _id: { toString(): string } };

export interface MessageDoc {
  sender: string;
  recipient: string;
  subject: string;
  message: string;
  createdAt: Date;
  /** user_send_message until RabbitMQ confirmed it. */
  outbox?: PendingEvent;
}

/**
 * One `POST /events` idempotency key: `pending` until an attempt published its event, then `done`. The
 * event id is chosen when the key is first claimed, so every attempt (a retry after an unclear 503, a
 * request taking over a claim whose holder crashed) publishes the SAME event: repeats share a webhook-id.
 */
export interface IdempotencyDoc {
  _id: string;
  state: 'pending' | 'done';
  eventId?: string;
  /** When the current attempt started; epoch once an attempt failed (the next request may take over at once). */
  claimedAt?: Date;
  // Hash of the request the key was first used with: the same key with another request is a client bug.
  fingerprint: string;
  status?: number;
  body?: unknown;
  createdAt: Date;
}

/** Repeats within this window replay the first response; the TTL index forgets keys afterwards. */
export const IDEMPOTENCY_TTL_SECONDS = 24 * 3600;

// `event` is the envelope exactly as it will be published (Mixed: stored as given, no casting).
const outboxSchema = new Schema<PendingEvent>(
  { event: { type: Schema.Types.Mixed, required: true }, attemptAt: { type: Date, required: true } },
  { _id: false },
);

const userSchema = new Schema<UserDoc>(
  {
    username: { type: String, required: true },
    createdAt: { type: Date, required: true },
    outbox: { type: outboxSchema, required: false },
  },
  { collection: 'photo_users', versionKey: false },
);
// Only documents with a pending event are in it, so the relay's look every second costs nothing.
userSchema.index({ 'outbox.attemptAt': 1 }, { sparse: true });
// The unique index, not a read-then-write, is what makes a duplicate username a 409 under concurrency.
userSchema.index({ username: 1 }, { unique: true });

const messageSchema = new Schema<MessageDoc>(
  {
    sender: { type: String, required: true },
    recipient: { type: String, required: true },
    subject: { type: String, default: '' },
    message: { type: String, default: '' },
    createdAt: { type: Date, required: true },
    outbox: { type: outboxSchema, required: false },
  },
  { collection: 'photo_messages', versionKey: false },
);
messageSchema.index({ recipient: 1, _id: 1 });
messageSchema.index({ 'outbox.attemptAt': 1 }, { sparse: true });

const idempotencySchema = new Schema<IdempotencyDoc>(
  {
    // The key is the _id: uniqueness comes with the collection, no index build to wait for.
    _id: { type: String, required: true },
    state: { type: String, required: true, enum: ['pending', 'done'] },
    fingerprint: { type: String, required: true },
    eventId: String,
    claimedAt: Date,
    status: Number,
    body: Schema.Types.Mixed,
    createdAt: { type: Date, required: true },
  },
  { collection: 'photo_idempotency_keys', versionKey: false },
);
idempotencySchema.index({ createdAt: 1 }, { expireAfterSeconds: IDEMPOTENCY_TTL_SECONDS });

export interface PhotoModels {
  User: Model<UserDoc>;
  Message: Model<MessageDoc>;
  Idempotency: Model<IdempotencyDoc>;
  /** The collections whose documents carry their own unpublished event. */
  outboxes: { users: OutboxStore; messages: OutboxStore };
  /** Resolves once the indexes exist; retried on the next call after a failure (MongoDB was down). */
  ready(): Promise<void>;
}

export function photoModels(db: Connection): PhotoModels {
  const models = {
    User: (db.models.PhotoUser as Model<UserDoc> | undefined) ?? db.model<UserDoc>('PhotoUser', userSchema),
    Message:
      (db.models.PhotoMessage as Model<MessageDoc> | undefined) ?? db.model<MessageDoc>('PhotoMessage', messageSchema),
    Idempotency:
      (db.models.PhotoIdempotency as Model<IdempotencyDoc> | undefined) ??
      db.model<IdempotencyDoc>('PhotoIdempotency', idempotencySchema),
  };
  let indexes: Promise<void> | undefined;
  const ready = () => {
    indexes ??= Promise.all(Object.values(models).map((m) => (m as Model<unknown>).createIndexes()))
      .then(() => undefined)
      .catch((err: unknown) => {
        indexes = undefined;
        throw err;
      });
    return indexes;
  };
  const outboxes = { users: outboxStore(models.User), messages: outboxStore(models.Message) };
  return { ...models, outboxes, ready };
}
