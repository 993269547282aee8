import { calculateObjectSize, Long } from 'bson';
import { commandError } from './errors';
import type { Doc } from './storage/values';

/** getMore without a batchSize fills a reply up to this size, under the 16 MB BSON limit with room to spare. */
const MAX_BATCH_BYTES = 15 * 1024 * 1024;
/** mongod's default: an idle cursor dies after 10 minutes. */
const IDLE_TIMEOUT_MS = 10 * 60 * 1000;
const DEFAULT_FIRST_BATCH = 101;

interface OpenCursor {
  ns: string;
  docs: Doc[];
  pos: number;
  lastUsed: number;
}

export interface BatchReply {
  cursor: { id: Long; ns: string; firstBatch?: Doc[]; nextBatch?: Doc[] };
  ok: 1;
}

/**
 * Results are computed eagerly and held here between getMores. Documents are immutable snapshots,
 * so a cursor never sees half-applied updates.
 */
export class CursorRegistry {
  private readonly open = new Map<number, OpenCursor>();
  private nextId = 1;

  private take(c: OpenCursor, batchSize: number | undefined): Doc[] {
    if (batchSize !== undefined && batchSize > 0) {
      const batch = c.docs.slice(c.pos, c.pos + batchSize);
      c.pos += batch.length;
      return batch;
    }
    const batch: Doc[] = [];
    let bytes = 0;
    while (c.pos < c.docs.length) {
      const doc = c.docs[c.pos] as Doc;
      bytes += calculateObjectSize(doc);
      if (batch.length > 0 && bytes > MAX_BATCH_BYTES) break;
      batch.push(doc);
      c.pos++;
    }
    return batch;
  }

  /** Reply for find/aggregate/listIndexes/listCollections; registers a cursor only if results remain. */
  first(ns: string, docs: Doc[], batchSize: unknown, singleBatch = false): BatchReply {
    const size = typeof batchSize === 'number' ? batchSize : DEFAULT_FIRST_BATCH;
    const c: OpenCursor = { ns, docs, pos: 0, lastUsed: Date.now() };
    // batchSize 0 means "open the cursor, return nothing yet".
    const firstBatch = size === 0 ? [] : this.take(c, size);
    let id = 0;
    if (!singleBatch && c.pos < docs.length) {
      id = this.nextId++;
      this.open.set(id, c);
    }
    return { cursor: { firstBatch, id: Long.fromNumber(id), ns }, ok: 1 };
  }

  getMore(id: number, ns: string, batchSize: unknown): BatchReply {
    const c = this.open.get(id);
    if (!c || c.ns !== ns) throw commandError('CursorNotFound', `cursor id ${id} not found`);
    c.lastUsed = Date.now();
    const nextBatch = this.take(c, typeof batchSize === 'number' ? batchSize : undefined);
    let replyId = id;
    if (c.pos >= c.docs.length) {
      this.open.delete(id);
      replyId = 0;
    }
    return { cursor: { nextBatch, id: Long.fromNumber(replyId), ns }, ok: 1 };
  }

  kill(ids: number[]): { killed: number[]; notFound: number[] } {
    const killed: number[] = [];
    const notFound: number[] = [];
    for (const id of ids) (this.open.delete(id) ? killed : notFound).push(id);
    return { killed, notFound };
  }

  sweepIdle(now = Date.now()): void {
    for (const [id, c] of this.open) if (now - c.lastUsed > IDLE_TIMEOUT_MS) this.open.delete(id);
  }

  get size(): number {
    return this.open.size;
  }
}
