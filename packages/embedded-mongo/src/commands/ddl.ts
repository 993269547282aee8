import { Query } from 'mingo';
import { commandError } from '../errors';
import { ID_INDEX } from '../storage/collection';
import type { IndexSpec } from '../storage/index-store';
import { type Doc, isPlainObject, keyString } from '../storage/values';
import { type CommandHandler, optionalDoc, requireString } from './context';

/** Options that make two indexes on the same key different (mongod compares the same ones). */
const IDENTITY_OPTIONS = ['unique', 'sparse', 'partialFilterExpression', 'expireAfterSeconds'] as const;

function defaultIndexName(key: Doc): string {
  return Object.entries(key)
    .map(([f, d]) => `${f}_${String(d)}`)
    .join('_');
}

function normalizeSpec(raw: Doc): IndexSpec {
  if (!isPlainObject(raw.key) || Object.keys(raw.key).length === 0) {
    throw commandError('CannotCreateIndex', "Index key pattern must be a non-empty object ('key')");
  }
  const { background: _bg, ns: _ns, ...rest } = raw;
  const spec: IndexSpec = {
    ...rest,
    v: 2,
    key: raw.key,
    name: typeof raw.name === 'string' ? raw.name : defaultIndexName(raw.key),
  };
  if (spec.unique !== undefined) spec.unique = Boolean(spec.unique);
  if (spec.sparse !== undefined) spec.sparse = Boolean(spec.sparse);
  return spec;
}

function sameOptions(a: IndexSpec, b: IndexSpec): boolean {
  return IDENTITY_OPTIONS.every(
    (o) =>
      keyString(a[o] ?? (o === 'unique' || o === 'sparse' ? false : null)) ===
      keyString(b[o] ?? (o === 'unique' || o === 'sparse' ? false : null)),
  );
}

const createIndexes: CommandHandler = (ctx) => {
  const name = requireString(ctx.body, 'createIndexes');
  const existed = ctx.engine.collection(ctx.db, name) !== undefined;
  const coll = ctx.engine.ensureCollection(ctx.db, name);
  const before = coll.indexes.size + 1;
  const specs = (Array.isArray(ctx.body.indexes) ? ctx.body.indexes : []).filter(isPlainObject).map(normalizeSpec);
  for (const spec of specs) {
    if (spec.name === ID_INDEX.name || keyString(spec.key) === keyString(ID_INDEX.key)) continue;
    const sameName = coll.indexes.get(spec.name)?.spec;
    if (sameName) {
      if (keyString(sameName.key) !== keyString(spec.key)) {
        throw commandError(
          'IndexKeySpecsConflict',
          `An existing index has the same name as the requested index but a different key: ${spec.name}`,
        );
      }
      if (!sameOptions(sameName, spec)) {
        throw commandError(
          'IndexOptionsConflict',
          `An existing index has the same name as the requested index but different options: ${spec.name}`,
        );
      }
      continue;
    }
    const sameKey = [...coll.indexes.values()].find(
      (i) => keyString(i.spec.key) === keyString(spec.key) && sameOptions(i.spec, spec),
    );
    if (sameKey) {
      throw commandError('IndexOptionsConflict', `Index already exists with a different name: ${sameKey.spec.name}`);
    }
    coll.createIndex(spec);
  }
  return {
    createdCollectionAutomatically: !existed,
    numIndexesBefore: before,
    numIndexesAfter: coll.indexes.size + 1,
    ok: 1,
  };
};

const listIndexes: CommandHandler = (ctx) => {
  const name = requireString(ctx.body, 'listIndexes');
  const coll = ctx.engine.collection(ctx.db, name);
  if (!coll) throw commandError('NamespaceNotFound', `ns does not exist: ${ctx.db}.${name}`);
  return { ...ctx.cursors.first(`${ctx.db}.${name}`, coll.indexSpecs(), optionalDoc(ctx.body.cursor).batchSize) };
};

const dropIndexes: CommandHandler = (ctx) => {
  const name = requireString(ctx.body, 'dropIndexes');
  const coll = ctx.engine.collection(ctx.db, name);
  if (!coll) throw commandError('NamespaceNotFound', `ns not found ${ctx.db}.${name}`);
  const nIndexesWas = coll.indexes.size + 1;
  const target = ctx.body.index;
  const names: string[] = [];
  if (target === '*') names.push(...coll.indexes.keys());
  else if (typeof target === 'string') names.push(target);
  else if (Array.isArray(target)) names.push(...target.map(String));
  else if (isPlainObject(target)) {
    const found = [...coll.indexes.values()].find((i) => keyString(i.spec.key) === keyString(target));
    if (!found) throw commandError('IndexNotFound', `can't find index with key: ${JSON.stringify(target)}`);
    names.push(found.spec.name);
  }
  for (const n of names) {
    if (n === ID_INDEX.name) throw commandError('InvalidOptions', 'cannot drop _id index');
    if (!coll.indexes.has(n)) throw commandError('IndexNotFound', `index not found with name [${n}]`);
  }
  for (const n of names) coll.dropIndex(n);
  return { nIndexesWas, ok: 1 };
};

const create: CommandHandler = (ctx) => {
  const name = requireString(ctx.body, 'create');
  const {
    create: _c,
    $db: _d,
    lsid: _l,
    $clusterTime: _t,
    $readPreference: _r,
    writeConcern: _w,
    ...options
  } = ctx.body;
  ctx.engine.createCollection(ctx.db, name, options);
  return { ok: 1 };
};

const drop: CommandHandler = (ctx) => {
  const name = requireString(ctx.body, 'drop');
  const coll = ctx.engine.collection(ctx.db, name);
  const nIndexesWas = coll ? coll.indexes.size + 1 : 0;
  // mongod 7 answers ok for a missing collection too.
  ctx.engine.dropCollection(ctx.db, name);
  return { nIndexesWas, ns: `${ctx.db}.${name}`, ok: 1 };
};

const dropDatabase: CommandHandler = (ctx) => {
  ctx.engine.dropDatabase(ctx.db);
  return { dropped: ctx.db, ok: 1 };
};

const listCollections: CommandHandler = (ctx) => {
  const filter = optionalDoc(ctx.body.filter);
  const query = Object.keys(filter).length > 0 ? new Query(filter, {}) : null;
  const infos = ctx.engine
    .collections(ctx.db)
    .map((c) =>
      ctx.body.nameOnly === true
        ? { name: c.name, type: 'collection' }
        : { name: c.name, type: 'collection', options: c.options, info: { readOnly: false }, idIndex: ID_INDEX },
    );
  const docs = query ? infos.filter((d) => query.test(d)) : infos;
  return { ...ctx.cursors.first(`${ctx.db}.$cmd.listCollections`, docs, optionalDoc(ctx.body.cursor).batchSize) };
};

const listDatabases: CommandHandler = (ctx) => {
  const databases = ctx.engine.databaseNames().map((name) => ({ name, sizeOnDisk: 0, empty: false }));
  return ctx.body.nameOnly === true
    ? { databases: databases.map(({ name }) => ({ name })), ok: 1 }
    : { databases, totalSize: 0, totalSizeMb: 0, ok: 1 };
};

/**
 * `collMod` for what Hookline needs of it: changing a TTL index's `expireAfterSeconds` (named by `name` or
 * `keyPattern`), which createIndexes refuses as an options conflict. The index is rebuilt under the same
 * name, journaled as a drop and a create so replay ends in the same state.
 */
const collMod: CommandHandler = (ctx) => {
  const name = requireString(ctx.body, 'collMod');
  const coll = ctx.engine.collection(ctx.db, name);
  if (!coll) throw commandError('NamespaceNotFound', `ns does not exist: ${ctx.db}.${name}`);
  const extra = Object.keys(ctx.body).filter(
    (k) => !['collMod', 'index', '$db', 'lsid', '$readPreference'].includes(k),
  );
  if (extra.length > 0)
    throw commandError('InvalidOptions', `collMod supports only 'index' here, not ${extra.join(', ')}`);
  const change = optionalDoc(ctx.body.index);
  const index = [...coll.indexes.values()].find((i) =>
    typeof change.name === 'string'
      ? i.spec.name === change.name
      : isPlainObject(change.keyPattern) && keyString(i.spec.key) === keyString(change.keyPattern),
  );
  if (!index)
    throw commandError('IndexNotFound', `cannot find index ${JSON.stringify(change.name ?? change.keyPattern)}`);
  const ttl = change.expireAfterSeconds;
  if (typeof ttl !== 'number' || !(ttl >= 0)) {
    throw commandError('InvalidOptions', "collMod 'index' needs a non-negative 'expireAfterSeconds'");
  }
  const before = index.spec.expireAfterSeconds;
  if (before === undefined) throw commandError('InvalidOptions', `index ${index.spec.name} is not a TTL index`);
  if (before !== ttl) {
    coll.dropIndex(index.spec.name);
    coll.createIndex({ ...index.spec, expireAfterSeconds: ttl });
  }
  return { expireAfterSeconds_old: before, expireAfterSeconds_new: ttl, ok: 1 };
};

export const ddlCommands: Record<string, CommandHandler> = {
  collMod,
  createIndexes,
  listIndexes,
  dropIndexes,
  deleteIndexes: dropIndexes,
  create,
  drop,
  dropDatabase,
  listCollections,
  listDatabases,
};
