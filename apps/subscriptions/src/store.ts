import { newId, type SigningScheme } from '@hookline/contracts';
import { isDuplicateKey, pageOf, tenantMatch } from '@hookline/runtime';
import { generateSecret, generateSigningKey } from '@hookline/signing';
import type { Connection, FilterQuery } from 'mongoose';
import { type SubscriptionDoc, type SubscriptionModel, subscriptionModel } from './models';

/** Fields a caller may set; `undefined` leaves a field as it is, `null` removes it. */
export type SubscriptionChanges = {
  [K in 'url' | 'eventTypes' | 'enabled' | 'secret']?: SubscriptionDoc[K];
} & {
  [K in
    | 'description'
    | 'disabledReason'
    | 'metadata'
    | 'previousSecret'
    | 'previousSecretExpiresAt'
    | 'filter'
    | 'transform'
    | 'headers'
    | 'signing'
    | 'rateLimit'
    | 'ordering'
    | 'orderingSince']?: SubscriptionDoc[K] | null;
};

/** What creating a subscription takes: the stored fields a caller chooses (tenant required). */
export type NewSubscription = { tenant: string } & Pick<SubscriptionDoc, 'url' | 'eventTypes'> &
  Partial<
    Pick<
      SubscriptionDoc,
      | 'description'
      | 'metadata'
      | 'enabled'
      | 'filter'
      | 'transform'
      | 'headers'
      | 'signing'
      | 'rateLimit'
      | 'ordering'
      | 'registration'
    >
  >;

/** A new secret of the scheme's kind: a whsec_ HMAC secret, or a whsk_ ed25519 key. */
export function newSecretFor(signing: SigningScheme | undefined): string {
  return signing === 'ed25519' ? generateSigningKey() : generateSecret();
}

export interface ListOptions {
  tenant?: string;
  eventType?: string;
  url?: string;
  limit: number;
  cursor?: string;
}

const MAX_CAS_ATTEMPTS = 20;

/**
 * The subscriptions collection. Every update is a compare-and-set on `updatedAt`, which also makes
 * `updatedAt` strictly increasing per subscription: it is the change version the dispatchers use
 * to keep the newest of what the snapshot and the feed tell them, so two writes in the same
 * millisecond must not share a version.
 */
export class SubscriptionStore {
  readonly model: SubscriptionModel;

  constructor(db: Connection) {
    this.model = subscriptionModel(db);
  }

  async create(input: NewSubscription, now = new Date()): Promise<SubscriptionDoc> {
    const doc: SubscriptionDoc = {
      _id: newId('sub'),
      tenant: input.tenant,
      url: input.url,
      eventTypes: input.eventTypes,
      ...(input.description !== undefined ? { description: input.description } : {}),
      ...(input.metadata !== undefined ? { metadata: input.metadata } : {}),
      ...(input.filter !== undefined ? { filter: input.filter } : {}),
      ...(input.transform !== undefined ? { transform: input.transform } : {}),
      ...(input.headers !== undefined ? { headers: input.headers } : {}),
      // The default scheme is left unsaved, as before ed25519 existed.
      ...(input.signing === 'ed25519' ? { signing: input.signing } : {}),
      ...(input.rateLimit !== undefined ? { rateLimit: input.rateLimit } : {}),
      ...(input.ordering !== undefined ? { ordering: input.ordering, orderingSince: now } : {}),
      ...(input.registration !== undefined ? { registration: input.registration } : {}),
      secret: newSecretFor(input.signing),
      enabled: input.enabled ?? true,
      createdAt: now,
      updatedAt: now,
    };
    await this.model.collection.insertOne(doc as never);
    return doc;
  }

  /** `create`, or null when the unique registration key is taken. */
  async createUnique(input: NewSubscription, now = new Date()): Promise<SubscriptionDoc | null> {
    try {
      return await this.create(input, now);
    } catch (err) {
      if (isDuplicateKey(err)) return null;
      throw err;
    }
  }

  // The hot reads (`GET /subscription/:id`, the snapshot) go to the driver directly: mongoose's
  // query layer made a lookup by id markedly slower in this app's benchmark (bench/bench.ts), and
  // there is nothing to cast for a string _id.
  async get(id: string): Promise<SubscriptionDoc | null> {
    return this.model.collection.findOne<SubscriptionDoc>({ _id: id as never });
  }

  async list(options: ListOptions): Promise<{ data: SubscriptionDoc[]; nextCursor: string | null }> {
    const filter: FilterQuery<SubscriptionDoc> = {};
    if (options.tenant !== undefined) filter.tenant = tenantMatch(options.tenant);
    if (options.eventType !== undefined) filter.eventTypes = options.eventType;
    if (options.url !== undefined) filter.url = options.url;
    if (options.cursor !== undefined) filter._id = { $gt: options.cursor };
    const rows = await this.model
      .find(filter)
      .sort({ _id: 1 })
      .limit(options.limit + 1)
      .lean<SubscriptionDoc[]>()
      .exec();
    return pageOf(rows, options.limit, (last) => last._id);
  }

  /** Subscriptions (all, enabled or not) whose stored event types include one of `eventTypes`, or all. */
  async find(filter: {
    tenant?: string;
    eventTypes?: string[];
    url?: string;
    enabledOnly?: boolean;
  }): Promise<SubscriptionDoc[]> {
    const query: FilterQuery<SubscriptionDoc> = {};
    if (filter.tenant !== undefined) query.tenant = tenantMatch(filter.tenant);
    if (filter.eventTypes) query.eventTypes = { $in: filter.eventTypes };
    if (filter.url !== undefined) query.url = filter.url;
    if (filter.enabledOnly) query.enabled = true;
    return this.model.find(query).sort({ _id: 1 }).lean<SubscriptionDoc[]>().exec();
  }

  /**
   * Applies `change(current)` atomically: re-read and retry when another writer got there first.
   * `change` returns the fields to set, or null to leave the subscription as it is.
   * Resolves null when the subscription does not exist.
   */
  async update(
    id: string,
    change: (current: SubscriptionDoc) => SubscriptionChanges | null,
    now: () => Date = () => new Date(),
  ): Promise<{ doc: SubscriptionDoc; changed: boolean } | null> {
    for (let attempt = 0; attempt < MAX_CAS_ATTEMPTS; attempt++) {
      const current = await this.get(id);
      if (!current) return null;
      const changes = change(current);
      if (!changes) return { doc: current, changed: false };
      const $set: Record<string, unknown> = {};
      const $unset: Record<string, ''> = {};
      for (const [key, value] of Object.entries(changes)) {
        if (value === undefined) continue;
        if (value === null) $unset[key] = '';
        else $set[key] = value;
      }
      const t = now();
      $set.updatedAt = new Date(Math.max(t.getTime(), current.updatedAt.getTime() + 1));
      const update: Record<string, unknown> = { $set };
      if (Object.keys($unset).length > 0) update.$unset = $unset;
      const next = await this.model
        .findOneAndUpdate({ _id: id, updatedAt: current.updatedAt }, update, { returnDocument: 'after' })
        .lean<SubscriptionDoc>()
        .exec();
      if (next) return { doc: next, changed: true };
    }
    throw new Error(`subscription ${id} is being changed too often to update`);
  }

  /** How many subscriptions have a delivery control (a rate limit or an ordering), `except` one. */
  /** Subscriptions with a rateLimit or an ordering, other than `except`; `tenant` given: only its. */
  async countControlled(except?: string, tenant?: string): Promise<number> {
    return this.model.collection.countDocuments({
      $or: [{ rateLimit: { $exists: true } }, { ordering: { $exists: true } }],
      ...(except ? { _id: { $ne: except as never } } : {}),
      ...(tenant !== undefined ? { tenant: tenantMatch(tenant) as never } : {}),
    });
  }

  /** `tenant` given: only if the subscription is that tenant's. */
  async delete(id: string, tenant?: string): Promise<boolean> {
    const filter: FilterQuery<SubscriptionDoc> = { _id: id };
    if (tenant !== undefined) filter.tenant = tenantMatch(tenant);
    const res = await this.model.deleteOne(filter).exec();
    return res.deletedCount > 0;
  }

  /** How many subscriptions a tenant has (for MAX_SUBSCRIPTIONS_PER_TENANT). */
  async countForTenant(tenant: string): Promise<number> {
    return this.model.countDocuments({ tenant: tenantMatch(tenant) }).exec();
  }

  /** Ids of every subscription of a tenant (a deleted tenant's, to remove one by one with its change). */
  async idsOfTenant(tenant: string): Promise<string[]> {
    const rows = await this.model
      .find({ tenant: tenantMatch(tenant) }, { _id: 1 })
      .lean<Array<{ _id: string }>>()
      .exec();
    return rows.map((r) => r._id);
  }

  /** Deletes only if nobody changed it since `updatedAt` (a concurrent writer wins). */
  async deleteIfUnchanged(doc: SubscriptionDoc): Promise<boolean> {
    const res = await this.model.deleteOne({ _id: doc._id, updatedAt: doc.updatedAt }).exec();
    return res.deletedCount > 0;
  }

  /** Every subscription, streamed in batches: the dispatchers' snapshot. */
  cursor(batchSize = 1000): AsyncIterable<SubscriptionDoc> & { close(): Promise<void> } {
    // Only what a SubscriptionRecord carries: the rest would be decoded from BSON for nothing.
    const projection = { description: 0, metadata: 0, createdAt: 0, registration: 0 };
    return this.model.collection.find<SubscriptionDoc>({}, { batchSize, projection });
  }
}
