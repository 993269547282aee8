import { request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Router } from 'express';
import { assembleApp, closeServer, createLogger, listen } from '../src';

const app = assembleApp({
  modules: [{ router: Router(), checks: {} }],
  logger: createLogger('test', 'silent'),
  title: 't',
});

function send(headers: Record<string, string>, path = '/healthz'): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    listen(app, 0, '127.0.0.1').then((server) => {
      const { port } = server.address() as AddressInfo;
      const req = request(
        { host: '127.0.0.1', port, path, headers: { host: `localhost:${port}`, ...headers } },
        (res) => {
          let body = '';
          res.on('data', (c: Buffer) => (body += c));
          res.on('end', () => closeServer(server).then(() => resolve({ status: res.statusCode ?? 0, body })));
        },
      );
      req.on('error', (err) => closeServer(server).then(() => reject(err)));
      req.end();
    }, reject);
  });
}

describe('a request Node cannot parse', () => {
  it('a 100 KB bearer token is a 431 in the one error shape, and the answer does not echo it', async () => {
    const token = `hlt_${'a'.repeat(100_000)}.sig`;
    const res = await send({ authorization: `Bearer ${token}` });
    expect(res.status).toBe(431);
    expect(JSON.parse(res.body)).toEqual({
      error: { code: 'headers_too_large', message: 'the request headers are too large' },
    });
    expect(res.body).not.toContain('aaaa');
  });

  it('a normal request still reaches the app', async () => {
    const res = await send({});
    expect(res.status).toBe(200);
  });
});
