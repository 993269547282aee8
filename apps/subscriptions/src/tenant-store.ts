import { DEFAULT_TENANT, newId } from '@hookline/contracts';
import { isDuplicateKey, pageOf, TENANTS_COLLECTION } from '@hookline/runtime';
import type { Collection, Connection } from 'mongoose';

/** A tenant as stored. `_id` is the public id: the caller's own, or `ten_<ULID>`. */
export interface TenantDoc {
  _id: string;
  name: string;
  metadata?: Record<string, string>;
  /** Tenant tokens carry the epoch current when minted; revoking moves it (see packages/http tenant-token). */
  tokenEpoch: number;
  createdAt: Date;
  updatedAt: Date;
}

export interface TenantView {
  id: string;
  name: string;
  metadata: Record<string, string>;
  createdAt: string;
  updatedAt: string;
}

export function toTenantView(doc: TenantDoc): TenantView {
  return {
    id: doc._id,
    name: doc.name,
    metadata: doc.metadata ?? {},
    createdAt: doc.createdAt.toISOString(),
    updatedAt: doc.updatedAt.toISOString(),
  };
}

const MAX_CAS_ATTEMPTS = 20;

/**
 * The tenants collection (read by every app's tenant-token check, written only here). The driver is
 * used directly: a tenant has nothing for mongoose to cast, and the other apps read it without a model.
 * `default` always exists: it is created on first use and cannot be deleted.
 */
export class TenantStore {
  readonly collection: Collection<TenantDoc>;
  private defaultReady: Promise<void> | undefined;

  constructor(db: Connection) {
    this.collection = db.collection<TenantDoc>(TENANTS_COLLECTION);
  }

  /** Creates `default` if it is not there (an upsert, so processes starting together agree). */
  ensureDefault(): Promise<void> {
    this.defaultReady ??= (async () => {
      const now = new Date();
      await this.collection.updateOne(
        { _id: DEFAULT_TENANT },
        { $setOnInsert: { name: 'Default', tokenEpoch: now.getTime(), createdAt: now, updatedAt: now } },
        { upsert: true },
      );
    })().catch((err: unknown) => {
      this.defaultReady = undefined; // try again on the next call
      throw err;
    });
    return this.defaultReady;
  }

  /** Resolves null when the id is taken (a 409 for the caller). */
  async create(input: { id?: string; name: string; metadata?: Record<string, string> }): Promise<TenantDoc | null> {
    await this.ensureDefault();
    const now = new Date();
    const doc: TenantDoc = {
      _id: input.id ?? newId('ten'),
      name: input.name,
      ...(input.metadata ? { metadata: input.metadata } : {}),
      tokenEpoch: now.getTime(),
      createdAt: now,
      updatedAt: now,
    };
    try {
      await this.collection.insertOne(doc);
      return doc;
    } catch (err) {
      if (isDuplicateKey(err)) return null;
      throw err;
    }
  }

  async get(id: string): Promise<TenantDoc | null> {
    if (id === DEFAULT_TENANT) await this.ensureDefault();
    return this.collection.findOne({ _id: id });
  }

  async exists(id: string): Promise<boolean> {
    if (id === DEFAULT_TENANT) return true;
    return (await this.collection.countDocuments({ _id: id }, { limit: 1 })) > 0;
  }

  async list(options: { limit: number; cursor?: string }): Promise<{ data: TenantDoc[]; nextCursor: string | null }> {
    await this.ensureDefault();
    const filter = options.cursor !== undefined ? { _id: { $gt: options.cursor } } : {};
    const rows = await this.collection
      .find(filter)
      .sort({ _id: 1 })
      .limit(options.limit + 1)
      .toArray();
    return pageOf(rows, options.limit, (last) => last._id);
  }

  async update(
    id: string,
    changes: { name?: string; metadata?: Record<string, string> | null },
  ): Promise<TenantDoc | null> {
    if (id === DEFAULT_TENANT) await this.ensureDefault();
    const $set: Record<string, unknown> = { updatedAt: new Date() };
    if (changes.name !== undefined) $set.name = changes.name;
    if (changes.metadata) $set.metadata = changes.metadata;
    const update: Record<string, unknown> = { $set };
    if (changes.metadata === null) update.$unset = { metadata: '' };
    return this.collection.findOneAndUpdate({ _id: id }, update, { returnDocument: 'after' });
  }

  /** Deletes a tenant record (never `default`); the caller removes its subscriptions. */
  async delete(id: string): Promise<boolean> {
    if (id === DEFAULT_TENANT) return false;
    const res = await this.collection.deleteOne({ _id: id });
    return res.deletedCount > 0;
  }

  /**
   * Moves the token epoch: every token minted before is invalid from now on. The new epoch is later
   * than the old (and than now), so it never repeats a value an earlier token carries.
   */
  async revokeTokens(id: string): Promise<TenantDoc | null> {
    for (let attempt = 0; attempt < MAX_CAS_ATTEMPTS; attempt++) {
      const current = await this.get(id);
      if (!current) return null;
      const tokenEpoch = Math.max(Date.now(), current.tokenEpoch + 1);
      const next = await this.collection.findOneAndUpdate(
        { _id: id, tokenEpoch: current.tokenEpoch },
        { $set: { tokenEpoch, updatedAt: new Date() } },
        { returnDocument: 'after' },
      );
      if (next) return next;
    }
    throw new Error(`tenant ${id} is being changed too often to revoke its tokens`);
  }
}
