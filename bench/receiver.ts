/**
 * Bench receiver, run as its own child process (fork, IPC). Each `listen` opens a server:
 *   mode 'ok'   answers 200 at once, then records [photoId, receipt time, body.timestamp];
 *   mode 'hang' never answers (counts arrivals only).
 * The parent asks for counts by key prefix (the part of data.photoId before the first '-') and
 * for the records. Times are `performance.timeOrigin + performance.now()` (ms, sub-ms resolution).
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { now } from './lib/clock';

type Rec = [key: string, at: number, ts: string | null];
let recs: Rec[] = [];
const counts = new Map<string, number>();
let hung = 0;
const waiters = new Set<{ prefix: string; n: number; reply: () => void }>();

const prefixOf = (key: string) => key.split('-')[0] ?? key;

function listen(mode: 'ok' | 'hang'): Promise<number> {
  const server = createServer((req, res) => {
    if (mode === 'hang') {
      hung++;
      req.resume();
      return; // never answered: the dispatcher runs into its timeout
    }
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const at = now();
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"ok":true}');
      let key = '?';
      let ts: string | null = null;
      try {
        const b = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
          timestamp?: string;
          data?: { photoId?: string };
        };
        key = String(b.data?.photoId ?? '?');
        ts = b.timestamp ?? null;
      } catch {
        /* recorded as '?' */
      }
      recs.push([key, at, ts]);
      const p = prefixOf(key);
      const c = (counts.get(p) ?? 0) + 1;
      counts.set(p, c);
      for (const w of waiters) {
        if (w.prefix === p && c >= w.n) {
          waiters.delete(w);
          w.reply();
        }
      }
    });
  });
  server.keepAliveTimeout = 120_000;
  server.headersTimeout = 130_000;
  server.requestTimeout = 0;
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)));
}

interface Msg {
  id: number;
  cmd: 'listen' | 'count' | 'waitFor' | 'dump' | 'reset';
  mode?: 'ok' | 'hang';
  prefix?: string;
  n?: number;
}

process.on('message', (m: Msg) => {
  const reply = (data: object) => process.send?.({ id: m.id, ...data });
  switch (m.cmd) {
    case 'listen':
      void listen(m.mode ?? 'ok').then((port) => reply({ port }));
      break;
    case 'count':
      reply({ count: counts.get(m.prefix ?? '') ?? 0, hung });
      break;
    case 'waitFor': {
      const prefix = m.prefix ?? '';
      const n = m.n ?? 0;
      if ((counts.get(prefix) ?? 0) >= n) reply({ ok: true });
      else waiters.add({ prefix, n, reply: () => reply({ ok: true }) });
      break;
    }
    case 'dump': {
      const p = m.prefix ?? '';
      reply({ records: recs.filter((r) => prefixOf(r[0]) === p), hung });
      break;
    }
    case 'reset':
      recs = [];
      counts.clear();
      hung = 0;
      reply({ ok: true });
      break;
  }
});
process.on('disconnect', () => process.exit(0));
process.send?.({ id: 0, ready: true });
