import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Router } from 'express';
import { assembleApp, closeServer, createLogger, listen } from '../src';

function appWithEcho() {
  const router = Router();
  router.post('/echo/:id', (req, res) => {
    res.status(201).json({ id: req.params.id, host: req.hostname, query: req.query });
  });
  return assembleApp({ modules: [{ router }], logger: createLogger('test', 'silent'), title: 't' });
}

describe('listen() for an express app', () => {
  it("makes each request and response with the app's own prototypes, so express never has to swap them", async () => {
    const app = appWithEcho();
    const server = await listen(app, 0, '127.0.0.1');
    const seen: boolean[] = [];
    // Runs before express's own listener: the objects as Node made them.
    server.prependListener('request', (req, res) => {
      seen.push(Object.getPrototypeOf(req) === app.request, Object.getPrototypeOf(res) === app.response);
    });
    try {
      const { port } = server.address() as AddressInfo;
      const res = await fetch(`http://127.0.0.1:${port}/echo/p1?x=1`, { method: 'POST' });
      expect(res.status).toBe(201);
      // express's request and response helpers work as before: params, hostname, query, status, json.
      expect(await res.json()).toEqual({ id: 'p1', host: '127.0.0.1', query: { x: '1' } });
      expect(seen).toEqual([true, true]);
    } finally {
      await closeServer(server);
    }
  });

  it('serves a plain request listener with Node’s own request and response', async () => {
    const server = await listen((_req: IncomingMessage, res: ServerResponse) => res.end('plain'), 0, '127.0.0.1');
    try {
      const { port } = server.address() as AddressInfo;
      expect(await (await fetch(`http://127.0.0.1:${port}/`)).text()).toBe('plain');
    } finally {
      await closeServer(server);
    }
  });
});
