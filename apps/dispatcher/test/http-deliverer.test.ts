import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { HttpDeliverer } from '../src/delivery/http-deliverer';
import { sampleTask, subscription } from './support/harness';

const task = sampleTask();

describe('HttpDeliverer response bodies', () => {
  let server: http.Server;
  let base: string;
  const sockets = new Set<import('node:net').Socket>();

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      req.resume();
      if (req.url === '/stall') {
        // Headers, a first chunk, then nothing: the body never ends.
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.write('partial');
        return;
      }
      if (req.url === '/big') {
        res.writeHead(500);
        res.end('x'.repeat(200 * 1024));
        return;
      }
      res.writeHead(204);
      res.end();
    });
    server.on('connection', (s) => {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    for (const s of sockets) s.destroy();
    await new Promise((r) => server.close(r));
  });

  it('a receiver that stalls mid-body ends the attempt at the timeout, with its status and what it sent', async () => {
    const d = new HttpDeliverer({ timeoutMs: 500, allowPrivateTargets: true });
    const started = Date.now();
    const sent = await d.send(subscription(`${base}/stall`), task);
    expect(Date.now() - started).toBeLessThan(2000);
    expect(sent).toMatchObject({ status: 200, responseBody: 'partial' });
  });

  it('keeps the first 4 KB of a large body and answers empty bodies', async () => {
    const d = new HttpDeliverer({ timeoutMs: 2000, allowPrivateTargets: true });
    const big = await d.send(subscription(`${base}/big`), task);
    expect(big.status).toBe(500);
    expect(big.responseBody).toHaveLength(4096);
    expect(await d.send(subscription(`${base}/empty`), task)).toMatchObject({ status: 204, responseBody: '' });
  });
});
