import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { networkInterfaces } from 'node:os';
import { closeServer, listen } from '@hookline/http';
import request from 'supertest';
import { type Harness, startHarness } from './harness';

let h: Harness;
beforeAll(async () => {
  h = await startHarness('subauth', { API_KEYS: 'k1,k2' });
});
afterAll(async () => {
  await h.close();
});

describe('management auth with API_KEYS', () => {
  it('answers 401 without a valid key on every route', async () => {
    for (const [method, path] of [
      ['post', '/subscription'],
      ['get', '/subscription'],
      ['get', '/subscription/snapshot'],
      ['get', '/subscription/sub_01JB8Z3N6W9Q2V4X7Y5T1R0P3K'],
      ['get', '/subscription/nope/secret'],
      ['post', '/webhook'],
      ['delete', '/webhook'],
      ['get', '/webhooks'],
      ['post', '/webhooks/'],
      ['post', '/ping'],
    ] as const) {
      const res = await request(h.app)[method](path).set('authorization', 'Bearer wrong');
      expect([method, path, res.status]).toEqual([method, path, 401]);
      expect(res.body.error.code).toBe('unauthorized');
    }
  });

  it('serves a valid key, including the dispatcher disabling a subscription', async () => {
    const created = await request(h.app)
      .post('/subscription')
      .set('authorization', 'Bearer k2')
      .send({ url: 'https://example.com/x', eventTypes: ['*'] });
    expect(created.status).toBe(201);
    const patched = await request(h.app)
      .patch(`/subscription/${created.body.id}`)
      .set('authorization', 'Bearer k1')
      .send({ enabled: false, disabledReason: 'HTTP 410 Gone' });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ enabled: false, disabledReason: 'HTTP 410 Gone' });
  });

  it('leaves health and docs open', async () => {
    expect((await request(h.app).get('/healthz')).status).toBe(200);
    expect((await request(h.app).get('/openapi.json')).status).toBe(200);
  });
});

describe('protected mode (API_KEYS unset)', () => {
  let p: Harness;
  beforeAll(async () => {
    p = await startHarness('subprot');
  });
  afterAll(async () => {
    await p.close();
  });

  it('serves loopback clients', async () => {
    expect((await request(p.app).get('/subscription')).status).toBe(200);
  });

  // A client on a non-loopback address of this machine is "remote" as far as the server can tell.
  const external = Object.values(networkInterfaces())
    .flat()
    .find((a) => a && a.family === 'IPv4' && !a.internal)?.address;
  (external ? it : it.skip)('answers 403 to other clients', async () => {
    const server = await listen(p.app, 0, external);
    try {
      const { port } = server.address() as AddressInfo;
      // Host: localhost, as through a local proxy: an unknown Host would be a 421 before any auth.
      const res = await new Promise<{ status: number; body: string }>((resolve, reject) => {
        const req = httpRequest({ host: external, port, path: '/webhooks', headers: { host: 'localhost' } }, (r) => {
          let body = '';
          r.on('data', (c) => (body += c)).on('end', () => resolve({ status: r.statusCode ?? 0, body }));
        });
        req.on('error', reject).end();
      });
      expect(res.status).toBe(403);
      expect((JSON.parse(res.body) as { error: { code: string } }).error.code).toBe('protected_mode');
    } finally {
      await closeServer(server);
    }
  });
});
