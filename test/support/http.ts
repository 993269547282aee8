import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { ReceivedRequest, Receiver } from '@hookline/testing';
import { Webhook } from 'standardwebhooks';

// biome-ignore lint/suspicious/noExplicitAny: the apps' JSON answers, checked field by field by the assertions
export interface HttpAnswer<T = any> {
  status: number;
  headers: Headers;
  text: string;
  /** The parsed JSON body (undefined when it is not JSON). */
  body: T;
}

/** One HTTP request as a user would send it; a JSON `body` is sent as application/json. */
// biome-ignore lint/suspicious/noExplicitAny: as above
export async function call<T = any>(
  method: string,
  url: string,
  body?: unknown,
  init: { headers?: Record<string, string>; timeoutMs?: number; raw?: string } = {},
): Promise<HttpAnswer<T>> {
  const headers: Record<string, string> = { ...(init.headers ?? {}) };
  let payload: string | undefined = init.raw;
  if (body !== undefined) {
    payload = JSON.stringify(body);
    headers['content-type'] ??= 'application/json';
  }
  const res = await fetch(url, {
    method,
    headers,
    body: payload,
    signal: AbortSignal.timeout(init.timeoutMs ?? 15_000),
  });
  const text = await res.text();
  let parsed: unknown;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    parsed = undefined;
  }
  return { status: res.status, headers: res.headers, text, body: parsed as T };
}

/** Standard Webhooks verification with the reference npm package; returns the parsed payload. */
export function verifySignature(secret: string, req: ReceivedRequest): unknown {
  return new Webhook(secret).verify(req.body, flatHeaders(req.headers));
}

export function flatHeaders(h: IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(h)) if (v !== undefined) out[k] = Array.isArray(v) ? v.join(', ') : v;
  return out;
}

/**
 * Like `startReceiver` of @hookline/testing, but on a given port: a receiver that comes back on the
 * SAME port after an outage.
 */
export async function startReceiverOn(port: number): Promise<Receiver> {
  const requests: ReceivedRequest[] = [];
  let responder: Parameters<Receiver['respond']>[0] = (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('{"ok":true}');
  };
  const waiters = new Set<() => void>();
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const r: ReceivedRequest = {
        method: req.method ?? '',
        path: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
        receivedAt: Date.now(),
      };
      requests.push(r);
      responder(r, res);
      for (const w of waiters) w();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', resolve);
  });
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    requests,
    respond(fn) {
      responder = fn;
    },
    waitFor(count, timeoutMs = 10_000) {
      if (requests.length >= count) return Promise.resolve(requests.slice());
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`receiver got ${requests.length} of ${count} requests within ${timeoutMs} ms`));
        }, timeoutMs);
        const check = () => {
          if (requests.length < count) return;
          clearTimeout(timer);
          waiters.delete(check);
          resolve(requests.slice());
        };
        waiters.add(check);
      });
    },
    close() {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * Runs `count` jobs with at most `concurrency` at once; `job(i)` must settle. Resolves with the
 * results in order.
 */
export async function pool<T>(count: number, concurrency: number, job: (i: number) => Promise<T>): Promise<T[]> {
  const results = new Array<T>(count);
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const i = next++;
      results[i] = await job(i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  return results;
}

/** The parsed JSON body of a delivery. */
// biome-ignore lint/suspicious/noExplicitAny: a delivery's data is any JSON
export function parseBody<T = { type: string; timestamp: string; data: any }>(r: ReceivedRequest): T {
  return JSON.parse(r.body) as T;
}
