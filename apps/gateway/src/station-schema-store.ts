import { findUnsafePattern } from '@hookline/safe-pattern';
import Ajv from 'ajv';
import type { Connection, Model } from 'mongoose';
import { Schema } from 'mongoose';
import protobuf from 'protobufjs';
import { type BodyKind, parseJsonBody } from './message';
import type { StationSchemaInput } from './schemas';

export type { StationSchemaInput };

/** Checks one message body; returns why it fails, or null when it conforms. */
export type BodyValidator = (kind: BodyKind, body: Buffer, parsedJson?: unknown) => string | null;

/** A schema that does not compile: the PUT is a 400 with this message. */
export class SchemaCompileError extends Error {
  override readonly name = 'SchemaCompileError';
}

/**
 * A station with a JSON schema takes bodies that parse as JSON (whatever their text content type);
 * one with a protobuf schema takes `application/x-protobuf` bodies that decode as the message.
 */
export function compileSchema(input: StationSchemaInput): BodyValidator {
  if (input.type === 'json') {
    // One ajv per schema: two stations may use the same `$id`. Ajv never fetches remote `$ref`s.
    const ajv = new Ajv({ allErrors: true, strict: false });
    let validate: ReturnType<Ajv['compile']>;
    try {
      validate = ajv.compile(input.schema);
    } catch (err) {
      throw new SchemaCompileError(`the JSON schema does not compile: ${(err as Error).message}`);
    }
    return (kind, body, parsedJson) => {
      let value = parsedJson;
      if (kind !== 'json') {
        const parsed = parseJsonBody(body);
        if (!parsed.ok) return `the body is not JSON: ${parsed.reason}`;
        value = parsed.value;
      }
      if (validate(value)) return null;
      return ajv.errorsText(validate.errors, { dataVar: 'message', separator: '; ' });
    };
  }
  let type: protobuf.Type;
  try {
    const { root } = protobuf.parse(input.definition, { keepCase: true });
    // Resolving settles field features (e.g. proto2 `required`) before the decoder is generated.
    root.resolveAll();
    type = root.lookupType(input.message);
  } catch (err) {
    throw new SchemaCompileError(`the protobuf definition does not compile: ${(err as Error).message}`);
  }
  return (kind, body) => {
    if (kind !== 'protobuf') return `expected an application/x-protobuf body of message ${input.message}`;
    try {
      const decoded = type.decode(body);
      return type.verify(decoded);
    } catch (err) {
      return `the body does not decode as ${input.message}: ${(err as Error).message}`;
    }
  };
}

interface SchemaDoc {
  station: string;
  type: 'json' | 'protobuf';
  // JSON Schemas are full of `$` keys (`$ref`, `$schema`) that MongoDB field names should not start
  // with, so the schema is stored as its JSON text.
  schema_json?: string;
  definition?: string;
  message?: string;
  updated_at: Date;
}

const schemaDocSchema = new Schema<SchemaDoc>(
  {
    station: { type: String, required: true, unique: true },
    type: { type: String, required: true, enum: ['json', 'protobuf'] },
    schema_json: String,
    definition: String,
    message: String,
    updated_at: { type: Date, required: true },
  },
  { versionKey: false },
);

export interface StoredSchema {
  station: string;
  schema: StationSchemaInput;
  updated_at: Date;
}

function toStored(doc: SchemaDoc): StoredSchema {
  const schema: StationSchemaInput =
    doc.type === 'json'
      ? { type: 'json', schema: JSON.parse(doc.schema_json ?? '{}') as Record<string, unknown> }
      : { type: 'protobuf', definition: doc.definition ?? '', message: doc.message ?? '' };
  return { station: doc.station, schema, updated_at: doc.updated_at };
}

interface CacheEntry {
  at: number;
  validator: BodyValidator | null;
}

/**
 * Station schemas in MongoDB, with compiled validators cached in memory. A PUT or DELETE refreshes
 * this instance's cache at once; other instances re-read a station's schema once their entry is
 * older than `maxAgeMs` (5 s), so a change reaches every replica within a few seconds. If MongoDB is
 * down at a refresh, the last known validator keeps being used.
 */
export class StationSchemas {
  private readonly model: Model<SchemaDoc>;
  private readonly cache = new Map<string, CacheEntry>();
  private readonly loading = new Map<string, Promise<BodyValidator | null>>();

  constructor(
    db: Connection,
    private readonly maxAgeMs = 5000,
    private readonly now: () => number = Date.now,
  ) {
    this.model =
      (db.models.GatewayStationSchema as Model<SchemaDoc> | undefined) ??
      db.model('GatewayStationSchema', schemaDocSchema, 'gateway_station_schemas');
  }

  validatorFor(station: string): Promise<BodyValidator | null> | BodyValidator | null {
    const hit = this.cache.get(station);
    if (hit && this.now() - hit.at < this.maxAgeMs) return hit.validator;
    let pending = this.loading.get(station);
    if (!pending) {
      pending = this.load(station, hit).finally(() => this.loading.delete(station));
      this.loading.set(station, pending);
    }
    return pending;
  }

  private async load(station: string, stale: CacheEntry | undefined): Promise<BodyValidator | null> {
    let doc: SchemaDoc | null;
    try {
      doc = await this.model.findOne({ station }).lean();
    } catch (err) {
      if (stale) return stale.validator;
      throw err;
    }
    const validator = doc ? compileSchema(toStored(doc).schema) : null;
    this.cache.set(station, { at: this.now(), validator });
    return validator;
  }

  /** Compiles first (throws SchemaCompileError), then stores. */
  async put(station: string, input: StationSchemaInput): Promise<StoredSchema> {
    const validator = compileSchema(input);
    // Checked when saved, not when loaded: a refusal is the writer's 400, never a failing produce.
    const unsafe = input.type === 'json' ? findUnsafePattern(input.schema) : null;
    if (unsafe) throw new SchemaCompileError(`${unsafe.path} ${JSON.stringify(unsafe.pattern)}: ${unsafe.reason}`);
    const doc: SchemaDoc = {
      station,
      type: input.type,
      ...(input.type === 'json'
        ? { schema_json: JSON.stringify(input.schema) }
        : { definition: input.definition, message: input.message }),
      updated_at: new Date(),
    };
    await this.model.init();
    await this.model.replaceOne({ station }, doc, { upsert: true });
    this.cache.set(station, { at: this.now(), validator });
    return toStored(doc);
  }

  async get(station: string): Promise<StoredSchema | null> {
    const doc = await this.model.findOne({ station }).lean();
    return doc ? toStored(doc) : null;
  }

  async remove(station: string): Promise<boolean> {
    const { deletedCount } = await this.model.deleteOne({ station });
    this.cache.set(station, { at: this.now(), validator: null });
    return deletedCount > 0;
  }
}
