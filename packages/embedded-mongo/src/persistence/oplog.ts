import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { crc32 } from 'node:zlib';
import { deserialize, serialize } from 'bson';
import type { Engine } from '../storage/engine';
import { lockDirectory, unlockDirectory } from './dir-lock';
import type { LogRecord } from './records';

const fsWrite = promisify(fs.write);
const fdatasync = promisify(fs.fdatasync);

const LOG_FILE = 'hookline-oplog.bson';
/**
 * Compact once the log holds this much beyond twice its size after the last compaction, and more than
 * half of its records are superseded (see OpLog.worthCompacting).
 */
const COMPACT_SLACK_BYTES = 16 * 1024 * 1024;

/** A frame is crc32(bson) then the BSON document, whose own int32 length prefix delimits it. */
function frame(rec: LogRecord): Buffer {
  if (rec.op === 'put' && rec.bson) return putFrame(rec.db, rec.coll, rec.bson);
  const body = serialize(rec);
  const out = Buffer.allocUnsafe(4 + body.length);
  out.writeUInt32LE(crc32(body), 0);
  out.set(body, 4);
  return out;
}

/**
 * The frame of `{op: 'put', db, coll, doc}` built around the document's BSON as it is: the same
 * record `serialize` would write (replay reads it alike), without re-encoding the document.
 */
function putFrame(db: string, coll: string, doc: Buffer): Buffer {
  const strings: [string, string][] = [
    ['op', 'put'],
    ['db', db],
    ['coll', coll],
  ];
  // Per string element: type byte, name and its NUL, int32 length, value and its NUL.
  let size = 4 + (1 + 4 + doc.length) + 1; // length, the `doc` element (type, "doc\0", bytes), final NUL
  for (const [name, value] of strings) size += 1 + name.length + 1 + 4 + Buffer.byteLength(value) + 1;
  const out = Buffer.allocUnsafe(4 + size);
  let at = 4;
  at = out.writeInt32LE(size, at);
  for (const [name, value] of strings) {
    at = out.writeUInt8(0x02, at);
    at += out.write(name, at, 'latin1');
    at = out.writeUInt8(0, at);
    const bytes = out.write(value, at + 4, 'utf8'); // the value after its length, which then goes before it
    out.writeInt32LE(bytes + 1, at);
    at = out.writeUInt8(0, at + 4 + bytes);
  }
  at = out.writeUInt8(0x03, at);
  at += out.write('doc', at, 'latin1');
  at = out.writeUInt8(0, at);
  at += doc.copy(out, at);
  out.writeUInt8(0, at);
  out.writeUInt32LE(crc32(out.subarray(4)), 0);
  return out;
}

function fsyncDir(dir: string): void {
  const fd = fs.openSync(dir, 'r');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

/** How a batch reaches the file: `fs.write`, or a test's writer that fails part-way like a full disk. */
export type LogWriter = (fd: number, buf: Buffer, offset: number, length: number) => Promise<{ bytesWritten: number }>;

/**
 * Append-only operation log with group commit: records appended while one fsync runs are written and
 * fsynced together by the next one, and a client's reply waits until its records are durable.
 */
export class OpLog {
  private pending: Buffer[] = [];
  private appendedSeq = 0;
  private durableSeq = 0;
  private waiters: { seq: number; resolve: () => void; reject: (e: unknown) => void }[] = [];
  private flushing = false;
  private scheduled = false;
  private fileBytes = 0;
  private compactedBytes = 0;
  /** Records in the file (flushed ones): compared with the engine's live records. */
  private fileRecords = 0;
  private closed = false;
  private failure: Error | undefined;

  private constructor(
    private readonly dir: string,
    private fd: number,
    private readonly engine: Engine,
    private readonly write: LogWriter,
    private readonly slackBytes: number,
  ) {}

  /**
   * The log write error that stopped this log, if any. After one, the file may end in a torn frame that
   * a restart cuts: anything written after it would be acknowledged and then lost. So nothing more is
   * written or acknowledged until a restart (which keeps every acknowledged write); reads go on.
   */
  get failed(): Error | undefined {
    return this.failure;
  }

  /** Takes the directory lock, replays the log into `engine` (cutting a torn tail), then journals new writes. */
  static open(dir: string, engine: Engine, options: { write?: LogWriter; compactSlackBytes?: number } = {}): OpLog {
    fs.mkdirSync(dir, { recursive: true });
    lockDirectory(dir);
    const file = path.join(dir, LOG_FILE);
    const { validBytes, records } = fs.existsSync(file) ? OpLog.replay(file, engine) : { validBytes: 0, records: 0 };
    if (fs.existsSync(file) && fs.statSync(file).size > validBytes) fs.truncateSync(file, validBytes);
    const log = new OpLog(
      dir,
      fs.openSync(file, 'a'),
      engine,
      options.write ?? fsWrite,
      options.compactSlackBytes ?? COMPACT_SLACK_BYTES,
    );
    log.fileBytes = validBytes;
    log.compactedBytes = validBytes;
    log.fileRecords = records;
    if (validBytes > log.slackBytes && log.worthCompacting()) log.compact();
    engine.setJournal((rec) => log.append(rec));
    return log;
  }

  private static replay(file: string, engine: Engine): { validBytes: number; records: number } {
    const buf = fs.readFileSync(file);
    let off = 0;
    let records = 0;
    while (off + 8 <= buf.length) {
      const len = buf.readInt32LE(off + 4);
      if (len < 5 || off + 4 + len > buf.length) break;
      const body = buf.subarray(off + 4, off + 4 + len);
      // A crash mid-write leaves a short or garbled last frame: stop there, everything before is intact.
      if (crc32(body) !== buf.readUInt32LE(off)) break;
      engine.apply(deserialize(body) as LogRecord);
      records++;
      off += 4 + len;
    }
    return { validBytes: off, records };
  }

  append(rec: LogRecord): void {
    if (this.failure) return; // never written, never acknowledged: `durable` rejects
    this.pending.push(frame(rec));
    this.appendedSeq++;
    if (!this.scheduled && !this.flushing) {
      this.scheduled = true;
      // setImmediate, not a microtask: every command parsed in this I/O turn joins the same fsync.
      setImmediate(() => {
        this.scheduled = false;
        void this.flush();
      });
    }
  }

  /** Sequence number of the last appended record; pass it to `durable` to wait for it. */
  get seq(): number {
    return this.appendedSeq;
  }

  durable(seq: number): Promise<void> {
    if (seq <= this.durableSeq) return Promise.resolve();
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      this.waiters.push({ seq, resolve, reject });
      if (!this.flushing && !this.scheduled) void this.flush();
    });
  }

  private async flush(): Promise<void> {
    if (this.flushing || this.closed) return;
    this.flushing = true;
    try {
      while (this.pending.length > 0) {
        const batch = Buffer.concat(this.pending);
        const upto = this.appendedSeq;
        const records = this.pending.length; // one frame per record
        this.pending = [];
        let written = 0;
        while (written < batch.length) {
          written += (await this.write(this.fd, batch, written, batch.length - written)).bytesWritten;
        }
        await fdatasync(this.fd);
        this.fileBytes += batch.length;
        this.fileRecords += records;
        this.durableSeq = upto;
        this.waiters = this.waiters.filter((w) => {
          if (w.seq > upto) return true;
          w.resolve();
          return false;
        });
      }
      // Nothing pending means memory equals the log right now: a synchronous snapshot is exact.
      if (this.fileBytes > 2 * this.compactedBytes + this.slackBytes && this.worthCompacting()) this.compact();
    } catch (err) {
      this.failure = err as Error;
      this.pending = [];
      for (const w of this.waiters) w.reject(err);
      this.waiters = [];
    } finally {
      this.flushing = false;
    }
  }

  /**
   * Whether more than half of the file's records are superseded (a document written again or deleted).
   * Compaction rewrites the whole state while the server waits, so a log that only grew by inserts,
   * which it would copy as it is, is left alone: at tens of MB that was half a second with every
   * client's command held up, for nothing.
   */
  private worthCompacting(): boolean {
    return this.fileRecords > 2 * this.engine.liveRecords();
  }

  /** Rewrites the log as the current state: write a temp file, fsync, rename over, fsync the directory. */
  private compact(): void {
    const file = path.join(this.dir, LOG_FILE);
    const tmp = `${file}.compact`;
    const fd = fs.openSync(tmp, 'w');
    let bytes = 0;
    let records = 0;
    try {
      let chunk: Buffer[] = [];
      let chunkBytes = 0;
      const spill = (): void => {
        const buf = Buffer.concat(chunk);
        fs.writeSync(fd, buf);
        bytes += buf.length;
        chunk = [];
        chunkBytes = 0;
      };
      for (const rec of this.engine.snapshot()) {
        records++;
        const f = frame(rec);
        chunk.push(f);
        chunkBytes += f.length;
        if (chunkBytes > 8 * 1024 * 1024) spill();
      }
      spill();
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, file);
    fsyncDir(this.dir);
    fs.closeSync(this.fd);
    this.fd = fs.openSync(file, 'a');
    this.fileBytes = bytes;
    this.compactedBytes = bytes;
    this.fileRecords = records;
  }

  /** Flushes what is pending, then releases the file and the lock. */
  async close(): Promise<void> {
    if (this.closed) return;
    if (!this.failure) await this.durable(this.appendedSeq).catch(() => {});
    while (this.flushing) await new Promise((r) => setImmediate(r));
    this.closed = true;
    fs.closeSync(this.fd);
    unlockDirectory(this.dir);
  }
}
