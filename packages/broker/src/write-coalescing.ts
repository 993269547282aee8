/**
 * amqplib's multiplexer writes every frame with its own `socket.write`: a publish is three frames
 * (method, header, body), so three syscalls, and those writes were a large share of the
 * dispatcher's CPU at full speed. Corking the socket while the multiplexer drains its channels,
 * and uncorking on the next tick, sends everything queued in that tick in one `writev`.
 *
 * This wraps an internal of amqplib (`lib/mux.js`, 0.10.x); `package.json` pins that version, and
 * the broker tests exercise every path through it. If the internal is not there, nothing changes.
 */
interface MuxLike {
  out: { cork(): void; uncork(): void; writableCorked?: number };
  _readIncoming(): void;
}

let applied = false;

export function coalesceAmqpWrites(): boolean {
  if (applied) return true;
  let Mux: { prototype: MuxLike } | undefined;
  try {
    Mux = (require('amqplib/lib/mux') as { Mux?: { prototype: MuxLike } }).Mux;
  } catch {
    return false;
  }
  const original = Mux?.prototype._readIncoming;
  if (!Mux || typeof original !== 'function') return false;
  Mux.prototype._readIncoming = function (this: MuxLike) {
    const out = this.out;
    if (typeof out.cork !== 'function' || (out.writableCorked ?? 0) > 0) return original.call(this);
    out.cork();
    try {
      original.call(this);
    } finally {
      process.nextTick(() => out.uncork());
    }
  };
  applied = true;
  return true;
}
