import { MongoCommandError } from '../errors';
import type { Collection } from '../storage/collection';
import { applyUpdate, isOperatorUpdate, type UpdateSpec, upsertDocument } from '../storage/update';
import { type Doc, isPlainObject } from '../storage/values';
import { type CommandContext, type CommandHandler, optionalDoc, requireString } from './context';
import { projectOne, sortDocs } from './shape';

/** A per-document failure inside a batch, shaped like mongod's writeErrors entries (keyValue included). */
function writeError(err: unknown, index: number): Doc {
  if (err instanceof MongoCommandError) return { index, code: err.code, errmsg: err.message, ...err.extra };
  return { index, code: 2, errmsg: err instanceof Error ? err.message : String(err) };
}

function batchReply(n: number, writeErrors: Doc[], extra: Doc = {}): Doc {
  const reply: Doc = { n, ...extra };
  if (writeErrors.length > 0) reply.writeErrors = writeErrors;
  reply.ok = 1;
  return reply;
}

function docsOf(v: unknown): Doc[] {
  return Array.isArray(v) ? v.filter(isPlainObject) : [];
}

const insert: CommandHandler = (ctx) => {
  const coll = ctx.engine.ensureCollection(ctx.db, requireString(ctx.body, 'insert'));
  const ordered = ctx.body.ordered !== false;
  const writeErrors: Doc[] = [];
  let n = 0;
  for (const [i, doc] of docsOf(ctx.body.documents).entries()) {
    try {
      coll.insert(doc);
      n++;
    } catch (err) {
      writeErrors.push(writeError(err, i));
      if (ordered) break;
    }
  }
  return batchReply(n, writeErrors);
};

/** The first document a single-document write targets, honouring an optional sort. */
function firstMatch(coll: Collection, filter: Doc, sort: unknown): Doc | undefined {
  if (isPlainObject(sort) && Object.keys(sort).length > 0) return sortDocs(coll.find(filter), sort)[0];
  return coll.find(filter, 1)[0];
}

function updateOneSpec(
  ctx: CommandContext,
  spec: Doc,
  index: number,
  upserted: Doc[],
): { n: number; nModified: number } {
  const name = requireString(ctx.body, 'update');
  const filter = optionalDoc(spec.q);
  const u = spec.u as UpdateSpec;
  const arrayFilters = Array.isArray(spec.arrayFilters) ? docsOf(spec.arrayFilters) : undefined;
  const coll = spec.upsert ? ctx.engine.ensureCollection(ctx.db, name) : ctx.engine.collection(ctx.db, name);
  if (!coll) return { n: 0, nModified: 0 };
  const targets = spec.multi
    ? coll.find(filter)
    : [firstMatch(coll, filter, spec.sort)].filter((d): d is Doc => d !== undefined);
  let nModified = 0;
  for (const doc of targets) {
    const { doc: after, changed } = applyUpdate(doc, u, { arrayFilters, filter, inserting: false });
    if (changed) {
      coll.replace(doc, after);
      nModified++;
    }
  }
  if (targets.length === 0 && spec.upsert) {
    const doc = coll.insert(upsertDocument(filter, u, arrayFilters));
    upserted.push({ index, _id: doc._id });
    return { n: 1, nModified: 0 };
  }
  return { n: targets.length, nModified };
}

const update: CommandHandler = (ctx) => {
  const ordered = ctx.body.ordered !== false;
  const writeErrors: Doc[] = [];
  const upserted: Doc[] = [];
  let n = 0;
  let nModified = 0;
  for (const [i, spec] of docsOf(ctx.body.updates).entries()) {
    try {
      if (spec.multi && !Array.isArray(spec.u) && !isOperatorUpdate(optionalDoc(spec.u))) {
        throw new MongoCommandError(9, 'FailedToParse', 'multi update is not supported for replacement-style update');
      }
      const r = updateOneSpec(ctx, spec, i, upserted);
      n += r.n;
      nModified += r.nModified;
    } catch (err) {
      writeErrors.push(writeError(err, i));
      if (ordered) break;
    }
  }
  return batchReply(n, writeErrors, upserted.length > 0 ? { nModified, upserted } : { nModified });
};

const remove: CommandHandler = (ctx) => {
  const coll = ctx.engine.collection(ctx.db, requireString(ctx.body, 'delete'));
  let n = 0;
  for (const spec of docsOf(ctx.body.deletes)) {
    if (!coll) break;
    const filter = optionalDoc(spec.q);
    const targets =
      spec.limit === 1 ? [firstMatch(coll, filter, spec.sort)].filter((d) => d !== undefined) : coll.find(filter);
    for (const doc of targets) coll.remove(doc);
    n += targets.length;
  }
  return batchReply(n, []);
};

/**
 * findAndModify runs synchronously between two awaits, so "find the oldest pending job and claim it"
 * is atomic: concurrent claims each see the previous claim's result.
 */
const findAndModify: CommandHandler = (ctx) => {
  const name =
    typeof ctx.body.findAndModify === 'string' ? ctx.body.findAndModify : requireString(ctx.body, 'findandmodify');
  const filter = optionalDoc(ctx.body.query);
  const fields = ctx.body.fields;
  const wantNew = ctx.body.new === true;
  const arrayFilters = Array.isArray(ctx.body.arrayFilters) ? docsOf(ctx.body.arrayFilters) : undefined;
  const u = ctx.body.update as UpdateSpec | undefined;
  const coll = ctx.body.upsert ? ctx.engine.ensureCollection(ctx.db, name) : ctx.engine.collection(ctx.db, name);
  const doc = coll ? firstMatch(coll, filter, ctx.body.sort) : undefined;
  if (ctx.body.remove === true) {
    if (coll && doc) coll.remove(doc);
    return { lastErrorObject: { n: doc ? 1 : 0 }, value: projectOne(doc ?? null, fields), ok: 1 };
  }
  if (u === undefined || u === null) {
    throw new MongoCommandError(9, 'FailedToParse', 'Either an update or remove=true must be specified');
  }
  if (coll && doc) {
    const { doc: after, changed } = applyUpdate(doc, u, { arrayFilters, filter, inserting: false });
    if (changed) coll.replace(doc, after);
    return {
      lastErrorObject: { n: 1, updatedExisting: true },
      value: projectOne(wantNew ? after : doc, fields),
      ok: 1,
    };
  }
  if (coll && ctx.body.upsert === true) {
    const inserted = coll.insert(upsertDocument(filter, u, arrayFilters));
    return {
      lastErrorObject: { n: 1, updatedExisting: false, upserted: inserted._id },
      value: wantNew ? projectOne(inserted, fields) : null,
      ok: 1,
    };
  }
  return { lastErrorObject: { n: 0, updatedExisting: false }, value: null, ok: 1 };
};

export const crudCommands: Record<string, CommandHandler> = {
  insert,
  update,
  delete: remove,
  findAndModify,
  findandmodify: findAndModify,
};
