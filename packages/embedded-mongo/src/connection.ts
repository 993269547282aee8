import type { Socket } from 'node:net';
import { runCommand, WRITE_COMMANDS } from './commands/dispatch';
import type { CursorRegistry } from './cursors';
import { commandError, MongoCommandError, toErrorReply } from './errors';
import type { OpLog } from './persistence/oplog';
import type { Engine } from './storage/engine';
import type { Doc } from './storage/values';
import { encodeMsg, encodeReply, HEADER_BYTES, MAX_MESSAGE_BYTES, OP_QUERY, parseMessage } from './wire/protocol';

export interface ServerState {
  engine: Engine;
  cursors: CursorRegistry;
  oplog: OpLog | undefined;
  startedAt: number;
  log: (msg: string) => void;
}

/**
 * One client connection: reassembles frames from TCP chunks, runs each command synchronously in arrival order,
 * and writes replies in the same order once the command's log records are durable.
 */
export class Connection {
  private chunks: Buffer[] = [];
  private buffered = 0;
  private replies: Promise<void> = Promise.resolve();
  private closed = false;

  constructor(
    private readonly socket: Socket,
    private readonly id: number,
    private readonly state: ServerState,
  ) {
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (err: NodeJS.ErrnoException) => {
      // A client going away without closing is routine (killed tests, pool shutdown), not worth a log line.
      if (err.code !== 'ECONNRESET' && err.code !== 'EPIPE') state.log(`connection ${id}: ${err.message}`);
    });
    socket.on('close', () => {
      this.closed = true;
    });
  }

  /** Merges leading chunks until the first holds at least `n` bytes. */
  private contiguous(n: number): Buffer {
    let first = this.chunks[0] as Buffer;
    if (first.length < n) {
      first = Buffer.concat(this.chunks, this.buffered);
      this.chunks = [first];
    }
    return first;
  }

  private onData(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    while (!this.closed && this.buffered >= 4) {
      const length = this.contiguous(4).readInt32LE(0);
      if (length < HEADER_BYTES || length > MAX_MESSAGE_BYTES) {
        // The stream cannot be resynchronised after a bad length: answer, then hang up on this client only.
        this.send(
          encodeMsg(0, new MongoCommandError(17, 'ProtocolError', `invalid message length ${length}`).toReply()),
        );
        this.closed = true;
        void this.replies.then(() => this.socket.end());
        return;
      }
      if (this.buffered < length) return;
      const first = this.contiguous(length);
      const message = first.subarray(0, length);
      const rest = first.subarray(length);
      this.chunks = rest.length > 0 ? [rest] : [];
      this.buffered -= length;
      this.handle(message);
    }
  }

  private send(buf: Buffer): void {
    this.replies = this.replies.then(() => {
      if (!this.socket.destroyed) this.socket.write(buf);
    });
  }

  private handle(message: Buffer): void {
    const requestId = message.readInt32LE(4);
    const opCode = message.readInt32LE(12);
    const encode = opCode === OP_QUERY ? encodeReply : encodeMsg;
    let reply: Doc | undefined;
    const { oplog } = this.state;
    const before = oplog?.seq ?? 0;
    try {
      const req = parseMessage(message);
      if (req.kind === 'query') {
        if (!req.collection.endsWith('.$cmd')) {
          reply = { $err: 'OP_QUERY is only supported for commands', code: 352, ok: 0 };
        } else {
          reply = this.run(req.query, req.collection.slice(0, -'.$cmd'.length));
        }
      } else {
        const db = req.body.$db;
        reply =
          typeof db === 'string'
            ? this.run(req.body, db)
            : toErrorReply(new MongoCommandError(40414, 'Location40414', "BSON field '$db' is missing"));
        // moreToCome (w:0): the client reads no reply.
        if (req.moreToCome) reply = undefined;
      }
    } catch (err) {
      reply = toErrorReply(err);
    }
    const wrote = oplog !== undefined && oplog.seq > before;
    if (wrote) {
      const seq = oplog.seq;
      // Group commit: the reply waits for the fsync that covers this command's records.
      this.replies = this.replies
        .then(() => oplog.durable(seq))
        .catch((err) => {
          reply = toErrorReply(
            new MongoCommandError(1, 'InternalError', `write not durable: ${(err as Error).message}`),
          );
        });
    }
    if (reply === undefined) return;
    const final = reply;
    this.replies = this.replies.then(() => {
      if (this.socket.destroyed) return;
      try {
        this.socket.write(encode(requestId, reply ?? final));
      } catch (err) {
        this.socket.write(encode(requestId, toErrorReply(err)));
      }
    });
  }

  private run(body: Doc, db: string): Doc {
    const failed = this.state.oplog?.failed;
    if (failed && WRITE_COMMANDS.has(Object.keys(body)[0] ?? '')) {
      return toErrorReply(
        commandError(
          'InternalError',
          `the embedded MongoDB refuses writes since a log write failed (${failed.message}); ` +
            'reads still work, every acknowledged write is safe: free the disk and restart it',
        ),
      );
    }
    return runCommand({
      body,
      db,
      engine: this.state.engine,
      cursors: this.state.cursors,
      connectionId: this.id,
      remoteAddress: `${this.socket.remoteAddress ?? ''}:${this.socket.remotePort ?? ''}`,
      startedAt: this.state.startedAt,
    });
  }
}
