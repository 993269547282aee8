import { deserialize, serialize } from 'bson';
import { commandError } from '../errors';
import type { Doc } from '../storage/values';
import { rememberInsertedDocuments, rememberReceivedBson } from './received-bson';

export const OP_REPLY = 1;
export const OP_QUERY = 2004;
export const OP_COMPRESSED = 2012;
export const OP_MSG = 2013;
/** Matches maxMessageSizeBytes in hello: larger frames are refused before buffering them. */
export const MAX_MESSAGE_BYTES = 48_000_000;
export const HEADER_BYTES = 16;

const CHECKSUM_PRESENT = 1;
const MORE_TO_COME = 1 << 1;
/** Bits 0-15 are "required": an unknown one set means we cannot safely interpret the message. */
const KNOWN_REQUIRED_BITS = CHECKSUM_PRESENT | MORE_TO_COME;

export interface Header {
  length: number;
  requestId: number;
  responseTo: number;
  opCode: number;
}

export type Request =
  | { kind: 'msg'; header: Header; body: Doc; moreToCome: boolean }
  | { kind: 'query'; header: Header; collection: string; query: Doc };

export function readHeader(buf: Buffer): Header {
  return {
    length: buf.readInt32LE(0),
    requestId: buf.readInt32LE(4),
    responseTo: buf.readInt32LE(8),
    opCode: buf.readInt32LE(12),
  };
}

function readDoc(buf: Buffer, at: number, end: number): { doc: Doc; next: number } {
  if (at + 5 > end) throw commandError('InvalidBSON', 'truncated BSON document');
  const len = buf.readInt32LE(at);
  if (len < 5 || at + len > end) throw commandError('InvalidBSON', `invalid BSON document length ${len}`);
  try {
    return { doc: deserialize(buf.subarray(at, at + len)) as Doc, next: at + len };
  } catch (err) {
    throw commandError('InvalidBSON', `invalid BSON: ${(err as Error).message}`);
  }
}

function readCString(buf: Buffer, at: number, end: number): { value: string; next: number } {
  const zero = buf.indexOf(0, at);
  if (zero < 0 || zero >= end) throw commandError('ProtocolError', 'unterminated string in message');
  return { value: buf.toString('utf8', at, zero), next: zero + 1 };
}

/** OP_MSG: flag bits, one body section (kind 0) and document sequences (kind 1) merged into the body by name. */
function parseMsg(buf: Buffer, header: Header): Request {
  const flags = buf.readUInt32LE(HEADER_BYTES);
  if ((flags & 0xffff & ~KNOWN_REQUIRED_BITS) !== 0) {
    throw commandError('ProtocolError', `unsupported OP_MSG flag bits ${flags}`);
  }
  // The CRC-32C trailer is optional and drivers do not send it; TCP already guards integrity, so skip checking it.
  const end = header.length - (flags & CHECKSUM_PRESENT ? 4 : 0);
  let at = HEADER_BYTES + 4;
  let body: Doc | undefined;
  const sequences: [string, Doc[]][] = [];
  while (at < end) {
    const kind = buf.readUInt8(at);
    at += 1;
    if (kind === 0) {
      if (body) throw commandError('ProtocolError', 'OP_MSG has more than one body section');
      const r = readDoc(buf, at, end);
      body = r.doc;
      rememberInsertedDocuments(buf.subarray(at, r.next), body);
      at = r.next;
    } else if (kind === 1) {
      if (at + 4 > end) throw commandError('ProtocolError', 'truncated document sequence');
      const size = buf.readInt32LE(at);
      const seqEnd = at + size;
      if (size < 5 || seqEnd > end) throw commandError('ProtocolError', 'invalid document sequence size');
      const id = readCString(buf, at + 4, seqEnd);
      const docs: Doc[] = [];
      // An insert's documents are usually stored as they came: the log can reuse their bytes.
      const inserted = id.value === 'documents';
      let p = id.next;
      while (p < seqEnd) {
        const r = readDoc(buf, p, seqEnd);
        if (inserted) rememberReceivedBson(r.doc, buf.subarray(p, r.next));
        docs.push(r.doc);
        p = r.next;
      }
      sequences.push([id.value, docs]);
      at = seqEnd;
    } else {
      throw commandError('ProtocolError', `unknown OP_MSG section kind ${kind}`);
    }
  }
  if (!body) throw commandError('ProtocolError', 'OP_MSG without a body section');
  for (const [name, docs] of sequences) body[name] = docs;
  return { kind: 'msg', header, body, moreToCome: (flags & MORE_TO_COME) !== 0 };
}

/** Legacy OP_QUERY, which drivers still use for the first hello/isMaster on a connection. */
function parseQuery(buf: Buffer, header: Header): Request {
  const name = readCString(buf, HEADER_BYTES + 4, header.length);
  const at = name.next + 8; // numberToSkip, numberToReturn
  let { doc } = readDoc(buf, at, header.length);
  // Old drivers wrap the command as { $query: {...}, $readPreference: ... }.
  if (doc.$query && typeof doc.$query === 'object') doc = doc.$query as Doc;
  return { kind: 'query', header, collection: name.value, query: doc };
}

/** Parses one complete frame; throws a MongoCommandError the caller turns into an error reply. */
export function parseMessage(buf: Buffer): Request {
  const header = readHeader(buf);
  if (header.opCode === OP_MSG) {
    if (header.length < HEADER_BYTES + 5) throw commandError('ProtocolError', 'OP_MSG too short');
    return parseMsg(buf, header);
  }
  if (header.opCode === OP_QUERY) {
    if (header.length < HEADER_BYTES + 4 + 1 + 8 + 5) throw commandError('ProtocolError', 'OP_QUERY too short');
    return parseQuery(buf, header);
  }
  if (header.opCode === OP_COMPRESSED) {
    throw commandError('ProtocolError', 'compression was not negotiated and is not supported');
  }
  throw commandError('ProtocolError', `unsupported opcode ${header.opCode}`);
}

let nextRequestId = 1;

function headerFor(length: number, responseTo: number, opCode: number): Buffer {
  const h = Buffer.allocUnsafe(HEADER_BYTES);
  h.writeInt32LE(length, 0);
  h.writeInt32LE(nextRequestId++ & 0x7fffffff, 4);
  h.writeInt32LE(responseTo, 8);
  h.writeInt32LE(opCode, 12);
  return h;
}

export function encodeMsg(responseTo: number, doc: Doc): Buffer {
  const body = serialize(doc);
  const len = HEADER_BYTES + 4 + 1 + body.length;
  const prefix = Buffer.alloc(5); // flagBits 0, section kind 0
  return Buffer.concat([headerFor(len, responseTo, OP_MSG), prefix, body], len);
}

export function encodeReply(responseTo: number, doc: Doc): Buffer {
  const body = serialize(doc);
  const len = HEADER_BYTES + 20 + body.length;
  const fields = Buffer.alloc(20);
  // responseFlags 0, cursorId 0 (8 bytes), startingFrom 0, numberReturned 1
  fields.writeInt32LE(1, 16);
  return Buffer.concat([headerFor(len, responseTo, OP_REPLY), fields, body], len);
}
