import { Long } from 'bson';
import { Aggregator } from 'mingo';
import { commandError } from '../errors';
import { type Doc, deepClone, isPlainObject, keyString, pathValues } from '../storage/values';
import { asNumber, type CommandHandler, optionalDoc, requireString } from './context';
import { projectDocs, sortDocs } from './shape';

const find: CommandHandler = (ctx) => {
  const name = requireString(ctx.body, 'find');
  const ns = `${ctx.db}.${name}`;
  const coll = ctx.engine.collection(ctx.db, name);
  const filter = optionalDoc(ctx.body.filter);
  const skip = Math.max(0, asNumber(ctx.body.skip) ?? 0);
  const rawLimit = asNumber(ctx.body.limit) ?? 0;
  const limit = Math.abs(rawLimit);
  let docs: Doc[] = [];
  if (coll) {
    const sort = ctx.body.sort;
    if (isPlainObject(sort) && Object.keys(sort).length > 0) {
      docs = sortDocs(coll.find(filter), sort).slice(skip, limit > 0 ? skip + limit : undefined);
    } else {
      // Without a sort, stop scanning once skip + limit documents matched.
      docs = coll.find(filter, limit > 0 ? skip + limit : Number.POSITIVE_INFINITY).slice(skip);
    }
  }
  docs = projectDocs(docs, ctx.body.projection);
  // A negative limit is the legacy spelling of "one batch, then close".
  return { ...ctx.cursors.first(ns, docs, ctx.body.batchSize, ctx.body.singleBatch === true || rawLimit < 0) };
};

const getMore: CommandHandler = (ctx) => {
  const id = asNumber(ctx.body.getMore);
  if (id === undefined) throw commandError('TypeMismatch', 'getMore must be a cursor id');
  const ns = `${ctx.db}.${requireString(ctx.body, 'collection')}`;
  return { ...ctx.cursors.getMore(id, ns, ctx.body.batchSize) };
};

const killCursors: CommandHandler = (ctx) => {
  const ids = (Array.isArray(ctx.body.cursors) ? ctx.body.cursors : []).map(asNumber).filter((n) => n !== undefined);
  const { killed, notFound } = ctx.cursors.kill(ids);
  return {
    cursorsKilled: killed.map((n) => Long.fromNumber(n)),
    cursorsNotFound: notFound.map((n) => Long.fromNumber(n)),
    cursorsAlive: [],
    cursorsUnknown: [],
    ok: 1,
  };
};

const count: CommandHandler = (ctx) => {
  const coll = ctx.engine.collection(ctx.db, requireString(ctx.body, 'count'));
  const query = optionalDoc(ctx.body.query);
  const skip = Math.max(0, asNumber(ctx.body.skip) ?? 0);
  const limit = Math.abs(asNumber(ctx.body.limit) ?? 0);
  let n = 0;
  if (coll) n = Object.keys(query).length === 0 ? coll.docs.size : coll.find(query).length;
  n = Math.max(0, n - skip);
  if (limit > 0) n = Math.min(n, limit);
  return { n, ok: 1 };
};

const distinct: CommandHandler = (ctx) => {
  const coll = ctx.engine.collection(ctx.db, requireString(ctx.body, 'distinct'));
  const key = requireString(ctx.body, 'key');
  const seen = new Map<string, unknown>();
  for (const doc of coll?.find(optionalDoc(ctx.body.query)) ?? []) {
    for (const v of pathValues(doc, key).values) {
      if (v !== undefined && !seen.has(keyString(v))) seen.set(keyString(v), v);
    }
  }
  return { values: [...seen.values()], ok: 1 };
};

/** Stages that never write into their input documents, so stored documents can be passed without a copy. */
const READ_ONLY_STAGES = new Set(['$match', '$sort', '$limit', '$skip', '$count', '$group', '$sortByCount']);

const aggregate: CommandHandler = (ctx) => {
  const target = ctx.body.aggregate;
  const pipeline = Array.isArray(ctx.body.pipeline) ? (ctx.body.pipeline as Doc[]) : [];
  const name = typeof target === 'string' ? target : undefined;
  const ns = `${ctx.db}.${name ?? '$cmd.aggregate'}`;
  for (const stage of pipeline) {
    const op = Object.keys(stage)[0];
    if (op === '$out' || op === '$merge' || op === '$changeStream') {
      throw commandError('IllegalOperation', `${op} is not supported by the embedded server`);
    }
  }
  const coll = name ? ctx.engine.collection(ctx.db, name) : undefined;
  // A leading $match goes through the collection so it can use an index.
  const first = pipeline[0];
  const leadingMatch = first && isPlainObject(first.$match) ? first.$match : undefined;
  let input = coll ? coll.find(leadingMatch ?? {}) : [];
  const rest = leadingMatch ? pipeline.slice(1) : pipeline;
  if (!rest.every((s) => READ_ONLY_STAGES.has(Object.keys(s)[0] ?? ''))) input = input.map(deepClone);
  const resolver = (other: string): Doc[] => (ctx.engine.collection(ctx.db, other)?.find({}) ?? []).map(deepClone);
  const docs = new Aggregator(rest, { collectionResolver: resolver }).run<Doc>(input);
  const cursor = optionalDoc(ctx.body.cursor);
  return { ...ctx.cursors.first(ns, docs, cursor.batchSize) };
};

export const queryCommands: Record<string, CommandHandler> = {
  find,
  getMore,
  killCursors,
  count,
  distinct,
  aggregate,
};
