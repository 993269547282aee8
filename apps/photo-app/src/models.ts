import { type Connection, type Model, Schema } from 'mongoose';

/**
 * The photo app's MongoDB collections. Collection names are frozen: renaming one orphans its data.
 */
export interface UserDoc {
  username: string;
  createdAt: Date;
}

export interface MessageDoc {
  sender: string;
  recipient: string;
  subject: string;
  message: string;
  createdAt: Date;
}

/** One `POST /events` idempotency key: `pending` while its first request publishes, then `done`. */
export interface IdempotencyDoc {
  _id: string;
  state: 'pending' | 'done';
  // Hash of the request the key was first used with: the same key with another request is a client bug.
  fingerprint: string;
  status?: number;
  body?: unknown;
  createdAt: Date;
}

/** Repeats within this window replay the first response; the TTL index forgets keys afterwards. */
export const IDEMPOTENCY_TTL_SECONDS = 24 * 3600;

const userSchema = new Schema<UserDoc>(
  { username: { type: String, required: true }, createdAt: { type: Date, required: true } },
  { collection: 'photo_users', versionKey: false },
);
// The unique index, not a read-then-write, is what makes a duplicate username a 409 under concurrency.
userSchema.index({ username: 1 }, { unique: true });

const messageSchema = new Schema<MessageDoc>(
  {
    sender: { type: String, required: true },
    recipient: { type: String, required: true },
    subject: { type: String, default: '' },
    message: { type: String, default: '' },
    createdAt: { type: Date, required: true },
  },
  { collection: 'photo_messages', versionKey: false },
);
messageSchema.index({ recipient: 1, _id: 1 });

const idempotencySchema = new Schema<IdempotencyDoc>(
  {
    // The key is the _id: uniqueness comes with the collection, no index build to wait for.
    _id: { type: String, required: true },
    state: { type: String, required: true, enum: ['pending', 'done'] },
    fingerprint: { type: String, required: true },
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
  return { ...models, ready };
}

/** MongoDB's duplicate key error, whichever driver layer raised it. */
export function isDuplicateKey(err: unknown): boolean {
  return (err as { code?: unknown })?.code === 11000;
}
