import { FIRST_PARTY_EVENT_TYPES, type FirstPartyEventType } from '@hookline/contracts';
import type { ValidateFunction } from 'ajv';
import { type Connection, type Model, Schema } from 'mongoose';
import { BUILT_IN_EVENT_TYPES } from './builtin';
import { compileEventSchema, type SchemaViolation, violations } from './schema';

/**
 * The event catalog lives in MongoDB (collection `event_types`), written by the subscriptions
 * service (`PUT/DELETE /event-types/:type`) and read by it (subscriptions must name catalogued types)
 * and by the photo-app (`POST /events` validates `data` against the type's schema). The photo-app
 * reads the collection itself rather than asking the subscriptions service over HTTP: it already
 * holds a MongoDB connection, so publishing gains no dependency on another service being up, and a
 * cached read costs no extra hop. Reads on the publish path are cached for CATALOG_CACHE_MS, so a
 * saved schema applies to events published at most that long after the PUT.
 */
export const CATALOG_CACHE_MS = 1000;
const CACHE_MAX = 10_000;

export interface EventTypeDoc {
  _id: string;
  description: string;
  schema?: Record<string, unknown>;
  deprecated?: boolean;
  createdAt: Date;
  updatedAt: Date;
}

export interface EventTypeEntry {
  type: string;
  description: string;
  schema?: Record<string, unknown>;
  deprecated: boolean;
  builtIn: boolean;
  updatedAt?: string;
}

const eventTypeSchema = new Schema<EventTypeDoc>(
  {
    _id: { type: String, required: true },
    description: { type: String, required: true },
    // Mixed: a JSON Schema is free-form; it was checked (compiles, safe patterns) before saving.
    schema: Schema.Types.Mixed,
    deprecated: Boolean,
    createdAt: { type: Date, required: true },
    updatedAt: { type: Date, required: true },
  },
  { versionKey: false, collection: 'event_types', minimize: false },
);

function eventTypeModel(db: Connection): Model<EventTypeDoc> {
  return (
    (db.models.EventType as Model<EventTypeDoc> | undefined) ?? db.model<EventTypeDoc>('EventType', eventTypeSchema)
  );
}

function isBuiltIn(type: string): type is FirstPartyEventType {
  return (FIRST_PARTY_EVENT_TYPES as readonly string[]).includes(type);
}

function toEntry(type: string, doc: EventTypeDoc | null): EventTypeEntry | null {
  if (doc)
    return {
      type,
      description: doc.description,
      ...(doc.schema ? { schema: doc.schema } : {}),
      deprecated: doc.deprecated ?? false,
      builtIn: isBuiltIn(type),
      updatedAt: doc.updatedAt.toISOString(),
    };
  if (!isBuiltIn(type)) return null;
  const builtIn = BUILT_IN_EVENT_TYPES[type];
  return { type, description: builtIn.description, schema: builtIn.schema as never, deprecated: false, builtIn: true };
}

export interface EventTypeInput {
  description: string;
  schema?: Record<string, unknown> | undefined;
  deprecated?: boolean | undefined;
}

export class EventCatalog {
  private readonly model: Model<EventTypeDoc>;
  private readonly cached = new Map<string, { entry: EventTypeEntry | null; at: number }>();
  // Compiled validators by type and version: compiling costs about a millisecond, validating microseconds.
  private readonly validators = new Map<string, ValidateFunction>();

  constructor(
    db: Connection,
    private readonly cacheMs = CATALOG_CACHE_MS,
  ) {
    this.model = eventTypeModel(db);
  }

  /** Built-in types first, then the stored ones by name. */
  async list(): Promise<EventTypeEntry[]> {
    const docs = await this.model.find({}).sort({ _id: 1 }).lean<EventTypeDoc[]>().exec();
    const stored = new Map(docs.map((d) => [d._id, d]));
    const builtIns = FIRST_PARTY_EVENT_TYPES.map((t) => toEntry(t, stored.get(t) ?? null) as EventTypeEntry);
    const others = docs.filter((d) => !isBuiltIn(d._id)).map((d) => toEntry(d._id, d) as EventTypeEntry);
    return [...builtIns, ...others];
  }

  /** Read fresh (management routes); `lookup` is the cached read of the publish path. */
  async get(type: string): Promise<EventTypeEntry | null> {
    const doc = await this.model.collection.findOne<EventTypeDoc>({ _id: type as never });
    return toEntry(type, doc);
  }

  async put(
    type: string,
    input: EventTypeInput,
    now = new Date(),
  ): Promise<{ entry: EventTypeEntry; created: boolean }> {
    const $set: Record<string, unknown> = { description: input.description, updatedAt: now };
    const $unset: Record<string, ''> = {};
    if (input.schema === undefined) $unset.schema = '';
    else $set.schema = input.schema;
    if (input.deprecated === undefined) $unset.deprecated = '';
    else $set.deprecated = input.deprecated;
    const res = await this.model.collection.updateOne(
      { _id: type as never },
      { $set, ...(Object.keys($unset).length ? { $unset } : {}), $setOnInsert: { createdAt: now } },
      { upsert: true },
    );
    this.cached.delete(type);
    const entry = (await this.get(type)) as EventTypeEntry;
    return { entry, created: res.upsertedCount > 0 };
  }

  /** 'built_in' when nothing is stored for a built-in type: those cannot be removed. */
  async delete(type: string): Promise<'deleted' | 'not_found' | 'built_in'> {
    const res = await this.model.deleteOne({ _id: type }).exec();
    this.cached.delete(type);
    if (res.deletedCount > 0) return 'deleted';
    return isBuiltIn(type) ? 'built_in' : 'not_found';
  }

  /** The entry, from a cache of at most `cacheMs` (absent types are cached too). */
  async lookup(type: string): Promise<EventTypeEntry | null> {
    const hit = this.cached.get(type);
    if (hit && Date.now() - hit.at < this.cacheMs) return hit.entry;
    const entry = await this.get(type);
    if (this.cached.size >= CACHE_MAX) this.cached.clear();
    this.cached.set(type, { entry, at: Date.now() });
    return entry;
  }

  async has(type: string): Promise<boolean> {
    return isBuiltIn(type) || (await this.lookup(type)) !== null;
  }

  /** Violations of the type's schema by `data` (none when the type has no schema or is not catalogued). */
  async validate(type: string, data: unknown): Promise<SchemaViolation[]> {
    const entry = await this.lookup(type);
    if (!entry?.schema) return [];
    const key = `${type}@${entry.updatedAt ?? 'built-in'}`;
    let validate = this.validators.get(key);
    if (!validate) {
      validate = compileEventSchema(entry.schema);
      if (this.validators.size >= CACHE_MAX) this.validators.clear();
      this.validators.set(key, validate);
    }
    return violations(validate, data);
  }
}
