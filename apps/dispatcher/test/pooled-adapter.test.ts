import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { gzipSync } from 'node:zlib';
import axios, { type AxiosInstance, isAxiosError } from 'axios';
import { HttpDeliverer } from '../src/delivery/http-deliverer';
import { pooledHttpAdapter } from '../src/delivery/pooled-adapter';
import { sampleTask, subscription } from './support/harness';

/** A real local receiver that counts connections and remembers how each response ended. */
async function receiver(handler: http.RequestListener) {
  const connections: Socket[] = [];
  const unfinished: string[] = [];
  const server = http.createServer((req, res) => {
    res.on('close', () => {
      if (!res.writableFinished) unfinished.push(req.url ?? '');
    });
    handler(req, res);
  });
  server.on('connection', (s) => connections.push(s));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    base: `http://127.0.0.1:${port}`,
    connections,
    unfinished,
    close: async () => {
      for (const s of connections) s.destroy();
      await new Promise((r) => server.close(r));
    },
  };
}

function client(allowPrivateTargets: boolean, timeout = 1000): AxiosInstance {
  return axios.create({
    adapter: pooledHttpAdapter({ allowPrivateTargets, maxResponseBytes: 64 * 1024, keptResponseBytes: 4096 }),
    timeout,
    validateStatus: () => true,
    transformResponse: [],
  });
}

async function until(condition: () => boolean, ms = 2000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('pooledHttpAdapter', () => {
  let rcv: Awaited<ReturnType<typeof receiver>>;
  const hits: string[] = [];

  beforeAll(async () => {
    rcv = await receiver((req, res) => {
      hits.push(req.url ?? '');
      let body = '';
      req.on('data', (c) => {
        body += c;
      });
      req.on('end', () => {
        if (req.url === '/hang') return; // never answers
        if (req.url === '/huge') {
          res.writeHead(200, { 'content-type': 'text/plain' });
          // 4 MB, far past the 64 KB the adapter reads.
          const chunk = 'y'.repeat(64 * 1024);
          let sent = 0;
          const pump = () => {
            while (sent < 64 && res.write(chunk)) sent++;
            if (sent >= 64) res.end();
            else res.once('drain', pump);
          };
          pump();
          return;
        }
        if (req.url === '/gzip') {
          res.writeHead(200, { 'content-encoding': 'gzip' });
          res.end(gzipSync('{"ok":true}'));
          return;
        }
        if (req.url === '/redirect') {
          res.writeHead(302, { location: '/elsewhere' });
          res.end();
          return;
        }
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ echo: body, headers: req.headers }));
      });
    });
  });
  afterAll(() => rcv.close());

  it('sends the body and headers as given and answers the status and body as text', async () => {
    const res = await client(true).post(`${rcv.base}/echo?q=1`, '{"a":1}', {
      headers: { 'content-type': 'application/json', 'webhook-id': 'msg_1' },
    });
    expect(res.status).toBe(200);
    const echoed = JSON.parse(res.data as string);
    expect(echoed.echo).toBe('{"a":1}');
    expect(echoed.headers).toMatchObject({ 'webhook-id': 'msg_1', 'content-length': '7' });
    expect(hits).toContain('/echo?q=1');
  });

  it('reuses keep-alive connections for requests in sequence', async () => {
    const r = await receiver((_req, res) => {
      _req.resume();
      _req.on('end', () => res.end('ok'));
    });
    try {
      const c = client(true);
      for (let i = 0; i < 20; i++) expect((await c.post(`${r.base}/k`, 'x')).status).toBe(200);
      // Not 20: connections are kept and reused. Not always 1: undici frees a connection a tick after
      // its response ends, so a request made at once after the first may open a second one.
      expect(r.connections.length).toBeLessThanOrEqual(2);
    } finally {
      await r.close();
    }
  });

  it('ends a request whose receiver never answers at the timeout, as ECONNABORTED', async () => {
    const started = Date.now();
    const err = await client(true, 300)
      .post(`${rcv.base}/hang`, 'x')
      .catch((e: unknown) => e);
    expect(isAxiosError(err) && err.code).toBe('ECONNABORTED');
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    expect(Date.now() - started).toBeLessThan(1500);
  });

  it('reads at most 64 KB of a huge body, keeps the first 4 KB, and drops the connection', async () => {
    const res = await client(true).post(`${rcv.base}/huge`, 'x');
    expect(res.status).toBe(200);
    expect(res.data).toBe('y'.repeat(4096));
    // The receiver's 4 MB answer was cut off: the connection was closed under it.
    await until(() => rcv.unfinished.includes('/huge'));
  });

  it('decompresses a body the receiver compressed unasked, and follows no redirect', async () => {
    const c = client(true);
    expect((await c.post(`${rcv.base}/gzip`, 'x')).data).toBe('{"ok":true}');
    const redirected = await c.post(`${rcv.base}/redirect`, 'x');
    expect(redirected.status).toBe(302);
    expect(redirected.headers.location).toBe('/elsewhere');
    expect(hits).not.toContain('/elsewhere');
  });

  it('refuses a name that resolves to loopback at connection time, before any byte reaches the receiver', async () => {
    const before = rcv.connections.length;
    for (const url of [
      `http://localhost:${rcv.port}/x`,
      `http://127.0.0.1:${rcv.port}/x`,
      // The https agent carries the same guard: refused at the lookup, before any TLS handshake.
      `https://localhost:${rcv.port}/x`,
    ]) {
      const err = await client(false)
        .post(url, 'x')
        .catch((e: unknown) => e);
      expect([url, isAxiosError(err) && err.code]).toEqual([url, 'ESSRF']);
    }
    expect(rcv.connections).toHaveLength(before);
  });

  it('gives a refused connection Node code, which axios-retry and the attempt log read', async () => {
    const closed = await receiver(() => {});
    await closed.close();
    const err = await client(true)
      .post(`${closed.base}/x`, 'x')
      .catch((e: unknown) => e);
    expect(isAxiosError(err) && err.code).toBe('ECONNREFUSED');
  });
});

describe('HttpDeliverer over the pooled adapter', () => {
  it('answers Retry-After, the delivery-control header and the body, signed, with its user agent', async () => {
    const seen: http.IncomingHttpHeaders[] = [];
    const r = await receiver((req, res) => {
      seen.push(req.headers);
      req.resume();
      req.on('end', () => {
        res.writeHead(429, { 'retry-after': '7', 'webhook-delivery': 'pause' });
        res.end('later');
      });
    });
    try {
      const sent = await new HttpDeliverer({ timeoutMs: 1000, allowPrivateTargets: true }).send(
        subscription(`${r.base}/hook`),
        sampleTask(),
      );
      expect(sent).toMatchObject({
        status: 429,
        retryAfter: '7',
        deliveryControl: 'pause',
        error: 'HTTP 429',
        responseBody: 'later',
      });
      expect(seen[0]).toMatchObject({
        'content-type': 'application/json',
        'user-agent': expect.stringMatching(/^Hookline\//),
        'webhook-id': sampleTask().id,
        'webhook-signature': expect.stringMatching(/^v1,/),
      });
    } finally {
      await r.close();
    }
  });

  it('retries a refused connection twice within the attempt, then answers "connection refused"', async () => {
    const closed = await receiver(() => {});
    await closed.close();
    const sent = await new HttpDeliverer({ timeoutMs: 2000, allowPrivateTargets: true }).send(
      subscription(`${closed.base}/hook`),
      sampleTask(),
    );
    expect(sent).toMatchObject({ status: null, error: 'connection refused' });
    expect(sent.durationMs).toBeGreaterThanOrEqual(90); // two 50 ms pauses between the three tries
  });
});
