import { commandError } from '../errors';
import type { Journal, LogRecord } from '../persistence/records';
import { Collection } from './collection';

/**
 * All databases and collections. Every change goes through a Collection or here and is journaled,
 * so the operation log sees exactly what clients saw acknowledged.
 */
export class Engine {
  private readonly dbs = new Map<string, Map<string, Collection>>();
  private journal: Journal = () => {};

  setJournal(journal: Journal): void {
    this.journal = journal;
  }

  private record(rec: LogRecord): void {
    this.journal(rec);
  }

  collection(db: string, name: string): Collection | undefined {
    return this.dbs.get(db)?.get(name);
  }

  collections(db: string): Collection[] {
    return [...(this.dbs.get(db)?.values() ?? [])];
  }

  allCollections(): Collection[] {
    return [...this.dbs.values()].flatMap((colls) => [...colls.values()]);
  }

  databaseNames(): string[] {
    return [...this.dbs.keys()].filter((db) => (this.dbs.get(db)?.size ?? 0) > 0);
  }

  private static validateName(name: string): void {
    if (typeof name !== 'string' || name.length === 0 || name.includes('\0') || name.startsWith('$')) {
      throw commandError('InvalidNamespace', `Invalid collection name: ${String(name)}`);
    }
  }

  /** Writes create collections implicitly, as mongod does. */
  ensureCollection(db: string, name: string): Collection {
    return this.collection(db, name) ?? this.createCollection(db, name, {});
  }

  createCollection(db: string, name: string, options: Record<string, unknown>, replay = false): Collection {
    Engine.validateName(name);
    if (this.collection(db, name)) throw commandError('NamespaceExists', `Collection ${db}.${name} already exists.`);
    let colls = this.dbs.get(db);
    if (!colls) {
      colls = new Map();
      this.dbs.set(db, colls);
    }
    const coll = new Collection(db, name, options, (r) => this.journal(r));
    colls.set(name, coll);
    if (!replay) this.record({ op: 'createColl', db, coll: name, options });
    return coll;
  }

  dropCollection(db: string, name: string, replay = false): boolean {
    const existed = this.dbs.get(db)?.delete(name) ?? false;
    if (existed && !replay) this.record({ op: 'dropColl', db, coll: name });
    return existed;
  }

  dropDatabase(db: string, replay = false): void {
    const existed = this.dbs.delete(db);
    if (existed && !replay) this.record({ op: 'dropDb', db });
  }

  /** Replays one log record without checks: the log holds only states the server once accepted. */
  apply(rec: LogRecord): void {
    switch (rec.op) {
      case 'put':
        (this.collection(rec.db, rec.coll) ?? this.createCollection(rec.db, rec.coll, {}, true)).putRaw(rec.doc);
        break;
      case 'del':
        this.collection(rec.db, rec.coll)?.removeRaw(rec.id);
        break;
      case 'createColl':
        if (!this.collection(rec.db, rec.coll)) this.createCollection(rec.db, rec.coll, rec.options, true);
        break;
      case 'dropColl':
        this.dropCollection(rec.db, rec.coll, true);
        break;
      case 'createIndex': {
        const coll = this.collection(rec.db, rec.coll) ?? this.createCollection(rec.db, rec.coll, {}, true);
        if (!coll.indexes.has(rec.spec.name)) coll.createIndex(rec.spec, false);
        break;
      }
      case 'dropIndex':
        this.collection(rec.db, rec.coll)?.dropIndex(rec.name, false);
        break;
      case 'dropDb':
        this.dropDatabase(rec.db, true);
        break;
    }
  }

  /** How many records `snapshot` yields, without building them: what a compacted log would hold. */
  liveRecords(): number {
    let n = 0;
    for (const colls of this.dbs.values())
      for (const coll of colls.values()) n += 1 + coll.indexes.size + coll.docs.size;
    return n;
  }

  /** The current state as records, for compaction: collections, then indexes, then documents. */
  *snapshot(): Iterable<LogRecord> {
    for (const [db, colls] of this.dbs) {
      for (const coll of colls.values()) {
        yield { op: 'createColl', db, coll: coll.name, options: coll.options };
        for (const index of coll.indexes.values()) yield { op: 'createIndex', db, coll: coll.name, spec: index.spec };
        for (const doc of coll.docs.values()) yield { op: 'put', db, coll: coll.name, doc };
      }
    }
  }
}
