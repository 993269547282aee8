import type { Doc } from '../storage/values';

/**
 * The bytes an inserted document arrived in, so the log can store it without serializing it again
 * (on a write-heavy load that second serialization was a sixth of the server's CPU). Remembered by
 * the parser for an insert's documents and taken, once, by the insert that stores the document as
 * it arrived; a WeakMap, so a document never taken (a failed insert) keeps nothing alive.
 */
const received = new WeakMap<Doc, Buffer>();

export function rememberReceivedBson(doc: Doc, bytes: Buffer): void {
  received.set(doc, bytes);
}

/** The document's bytes as received, forgotten as they are handed out (they view the whole message). */
export function takeReceivedBson(doc: Doc): Buffer | undefined {
  const bytes = received.get(doc);
  if (bytes) received.delete(doc);
  return bytes;
}

/** Bytes after the name of an element of each fixed-size BSON type. */
const FIXED_SIZE: Record<number, number> = {
  1: 8, // double
  6: 0, // undefined
  7: 12, // ObjectId
  8: 1, // boolean
  9: 8, // date
  10: 0, // null
  16: 4, // int32
  17: 8, // timestamp
  18: 8, // int64
  19: 16, // decimal128
  255: 0, // MinKey
  127: 0, // MaxKey
};

/** Where a value of BSON type `type` starting at `valueAt` ends, or -1 for a type not walked here. */
function valueEnd(bson: Buffer, type: number, valueAt: number): number {
  const fixed = FIXED_SIZE[type];
  if (fixed !== undefined) return valueAt + fixed;
  switch (type) {
    case 0x02: // string, JavaScript code, symbol: int32 length then the bytes
    case 0x0d:
    case 0x0e:
      return valueAt + 4 + bson.readInt32LE(valueAt);
    case 0x03: // document, array, code with scope: int32 total length
    case 0x04:
    case 0x0f:
      return valueAt + bson.readInt32LE(valueAt);
    case 0x05: // binary: int32 length, subtype, bytes
      return valueAt + 4 + 1 + bson.readInt32LE(valueAt);
    default:
      return -1; // regex, DBPointer: never beside an insert's documents in practice
  }
}

/**
 * Remembers the bytes of each element of an insert command's `documents` array, found in the command's
 * own BSON (drivers send them there, not as a document sequence). Does nothing when the walk meets
 * anything unexpected: the log then serializes the documents, as it always could.
 */
export function rememberInsertedDocuments(bson: Buffer, body: Doc): void {
  const docs = body.documents;
  if (typeof body.insert !== 'string' || !Array.isArray(docs)) return;
  let at = 4;
  const end = bson.length - 1;
  while (at < end) {
    const type = bson[at] as number;
    const nameEnd = bson.indexOf(0, at + 1);
    if (nameEnd < 0 || nameEnd >= end) return;
    const valueAt = nameEnd + 1;
    const next = valueEnd(bson, type, valueAt);
    if (next < 0 || next > end) return;
    if (type === 0x04 && bson.toString('latin1', at + 1, nameEnd) === 'documents') {
      rememberArrayElements(bson.subarray(valueAt, next), docs);
      return;
    }
    at = next;
  }
}

function rememberArrayElements(array: Buffer, docs: unknown[]): void {
  const found: Buffer[] = [];
  let at = 4;
  const end = array.length - 1;
  while (at < end) {
    if (array[at] !== 0x03) return; // not a document: leave all to serialization
    const nameEnd = array.indexOf(0, at + 1);
    if (nameEnd < 0 || nameEnd >= end) return;
    const len = array.readInt32LE(nameEnd + 1);
    if (len < 5 || nameEnd + 1 + len > end) return;
    found.push(array.subarray(nameEnd + 1, nameEnd + 1 + len));
    at = nameEnd + 1 + len;
  }
  if (found.length !== docs.length) return;
  for (const [i, bytes] of found.entries()) rememberReceivedBson(docs[i] as Doc, bytes);
}
