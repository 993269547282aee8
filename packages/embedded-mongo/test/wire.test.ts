/** Protocol-level behaviour below any driver: bad frames, unknown opcodes and commands, disconnects. */
import net from 'node:net';
import { deserialize, serialize as serializeBson } from 'bson';
import mongoose from 'mongoose';
import { type EmbeddedMongo, startEmbeddedMongo } from '../src/index';

let server: EmbeddedMongo;

beforeAll(async () => {
  server = await startEmbeddedMongo({ port: 0 });
});

afterAll(async () => {
  await server.stop();
});

let requestId = 100;

function serialize(doc: Record<string, unknown>): Buffer {
  return Buffer.from(serializeBson(doc));
}

function header(length: number, opCode: number): Buffer {
  const h = Buffer.alloc(16);
  h.writeInt32LE(length, 0);
  h.writeInt32LE(++requestId, 4);
  h.writeInt32LE(0, 8);
  h.writeInt32LE(opCode, 12);
  return h;
}

function opMsg(body: Buffer, flags = 0): Buffer {
  const len = 16 + 4 + 1 + body.length;
  const f = Buffer.alloc(5);
  f.writeUInt32LE(flags, 0);
  return Buffer.concat([header(len, 2013), f, body]);
}

function opQuery(ns: string, query: Record<string, unknown>): Buffer {
  const doc = serialize(query);
  const name = Buffer.from(`${ns}\0`);
  const fields = Buffer.alloc(12);
  fields.writeInt32LE(-1, 8);
  return Buffer.concat([
    header(16 + 4 + name.length + 8 + doc.length, 2004),
    fields.subarray(0, 4),
    name,
    fields.subarray(4),
    doc,
  ]);
}

/** A raw client that reads whole reply frames. */
class RawClient {
  private buf = Buffer.alloc(0);
  private waiting: ((frame: Buffer) => void) | null = null;
  closed = false;

  private constructor(readonly socket: net.Socket) {
    socket.on('data', (d: Buffer) => {
      this.buf = Buffer.concat([this.buf, d]);
      this.drain();
    });
    socket.on('close', () => {
      this.closed = true;
    });
    socket.on('error', () => {});
  }

  static connect(port: number): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const s = net.connect(port, '127.0.0.1', () => resolve(new RawClient(s)));
      s.once('error', reject);
    });
  }

  private drain(): void {
    if (!this.waiting || this.buf.length < 4) return;
    const len = this.buf.readInt32LE(0);
    if (this.buf.length < len) return;
    const frame = this.buf.subarray(0, len);
    this.buf = this.buf.subarray(len);
    const w = this.waiting;
    this.waiting = null;
    w(frame);
  }

  /** Sends bytes and resolves with the reply document (OP_MSG body or first OP_REPLY document). */
  request(bytes: Buffer): Promise<Record<string, unknown>> {
    return new Promise((resolve) => {
      this.waiting = (frame) => {
        const opCode = frame.readInt32LE(12);
        resolve(deserialize(frame.subarray(opCode === 1 ? 36 : 21)));
      };
      this.socket.write(bytes);
      this.drain();
    });
  }

  close(): void {
    this.socket.destroy();
  }
}

test('legacy OP_QUERY handshake answers isMaster with the advertised limits', async () => {
  const c = await RawClient.connect(server.port);
  const reply = await c.request(opQuery('admin.$cmd', { isMaster: 1, client: { driver: { name: 'raw' } } }));
  expect(reply).toMatchObject({
    ok: 1,
    ismaster: true,
    isWritablePrimary: true,
    maxWireVersion: 21,
    minWireVersion: 0,
    maxBsonObjectSize: 16777216,
    maxMessageSizeBytes: 48000000,
    maxWriteBatchSize: 100000,
    logicalSessionTimeoutMinutes: 30,
  });
  expect(reply.localTime).toBeInstanceOf(Date);
  c.close();
});

test('unknown command gets CommandNotFound (59) and the connection keeps serving', async () => {
  const c = await RawClient.connect(server.port);
  const reply = await c.request(opMsg(serialize({ frobnicate: 1, $db: 'x' })));
  expect(reply).toMatchObject({ ok: 0, code: 59, codeName: 'CommandNotFound' });
  expect(String(reply.errmsg)).toContain('frobnicate');
  expect(await c.request(opMsg(serialize({ ping: 1, $db: 'admin' })))).toMatchObject({ ok: 1 });
  c.close();
});

test('malformed BSON and unknown opcodes get error replies, not a crash', async () => {
  const c = await RawClient.connect(server.port);
  const bad = serialize({ ping: 1, $db: 'admin' });
  bad.writeInt32LE(9999, 0); // document claims more bytes than the frame holds
  expect(await c.request(opMsg(bad))).toMatchObject({ ok: 0, code: 22 });
  const garbage = Buffer.concat([header(16 + 8, 4242), Buffer.from('deadbeef', 'hex'), Buffer.alloc(4)]);
  expect(await c.request(garbage)).toMatchObject({ ok: 0, code: 17 });
  const noBody = opMsg(Buffer.from([0x05, 0, 0, 0, 0])).subarray(0, 20);
  noBody.writeInt32LE(20, 0);
  expect(await c.request(Buffer.concat([noBody]))).toMatchObject({ ok: 0 });
  expect(await c.request(opMsg(serialize({ ping: 1, $db: 'admin' })))).toMatchObject({ ok: 1 });
  c.close();
});

test('an impossible message length is refused and only that client is disconnected', async () => {
  const c = await RawClient.connect(server.port);
  const huge = header(64 * 1024 * 1024, 2013);
  expect(await c.request(huge)).toMatchObject({ ok: 0, code: 17 });
  await new Promise((r) => setTimeout(r, 50));
  expect(c.closed).toBe(true);
  const other = await RawClient.connect(server.port);
  expect(await other.request(opMsg(serialize({ ping: 1, $db: 'admin' })))).toMatchObject({ ok: 1 });
  other.close();
});

test('a client disconnecting mid-message leaves the server serving others', async () => {
  const c = await RawClient.connect(server.port);
  const msg = opMsg(serialize({ insert: 'half', documents: [{ a: 1 }], $db: 'wire' }));
  c.socket.write(msg.subarray(0, msg.length - 7));
  await new Promise((r) => setTimeout(r, 20));
  c.close();
  const other = await RawClient.connect(server.port);
  expect(await other.request(opMsg(serialize({ count: 'half', $db: 'wire' })))).toMatchObject({ ok: 1, n: 0 });
  other.close();
});

test('document sequences (kind 1) and moreToCome (w:0, no reply) are honoured', async () => {
  const c = await RawClient.connect(server.port);
  const docs = [serialize({ _id: 1, v: 'a' }), serialize({ _id: 2, v: 'b' })];
  const ident = Buffer.from('documents\0');
  const seqSize = Buffer.alloc(4);
  seqSize.writeInt32LE(4 + ident.length + docs[0]!.length + docs[1]!.length, 0);
  const body = serialize({ insert: 'seq', $db: 'wire', writeConcern: { w: 0 } });
  const sections = Buffer.concat([Buffer.from([0]), body, Buffer.from([1]), seqSize, ident, ...docs]);
  const flags = Buffer.alloc(4);
  flags.writeUInt32LE(2, 0); // moreToCome
  c.socket.write(Buffer.concat([header(16 + 4 + sections.length, 2013), flags, sections]));
  const reply = await c.request(opMsg(serialize({ find: 'seq', filter: {}, $db: 'wire' })));
  expect((reply.cursor as { firstBatch: unknown[] }).firstBatch).toEqual([
    { _id: 1, v: 'a' },
    { _id: 2, v: 'b' },
  ]);
  c.close();
});

test('transactions are refused with IllegalOperation (20), like a single-node mongod', async () => {
  const conn = await mongoose.createConnection(`${server.uri}/wire_txn`).asPromise();
  try {
    const Thing = conn.model('Thing', new mongoose.Schema({ a: Number }));
    await Thing.createCollection();
    const err = await conn
      .transaction(async (session) => {
        await Thing.create([{ a: 1 }], { session });
      })
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 20 });
    expect(String((err as Error).message)).toContain(
      'Transaction numbers are only allowed on a replica set member or mongos',
    );
  } finally {
    await conn.close();
  }
});
