import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { generateSecret, signatureHeaders } from '@hookline/signing';
import { consumerHandler, fetchSecrets, pointsAt } from '../src/tools/consume';

let server: Server;
let url: string;
const printed: string[] = [];
const secret = generateSecret();
const other = generateSecret();
const secrets = [other, secret];

beforeAll(async () => {
  server = createServer(consumerHandler(secrets, (t) => printed.push(t)));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

async function deliver(headers: Record<string, string>, body: string): Promise<string> {
  printed.length = 0;
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
  expect(res.status).toBe(200);
  return printed.join('\n');
}

describe('npm run consume', () => {
  const body = JSON.stringify({ type: 'LIKED_PHOTO', timestamp: new Date().toISOString(), data: { photoId: '1' } });

  it('prints the delivery and says a correct signature is valid', async () => {
    const out = await deliver({ ...signatureHeaders([secret], 'msg_1', body) }, body);
    expect(out).toContain('webhook-id: msg_1');
    expect(out).toContain(body);
    expect(out).toMatch(/signature: valid$/);
  });

  it('says INVALID with the reason for a wrong secret, a tampered body or a missing header', async () => {
    expect(await deliver({ ...signatureHeaders([generateSecret()], 'msg_2', body) }, body)).toContain(
      'signature: INVALID (no matching signature)',
    );
    expect(await deliver({ ...signatureHeaders([secret], 'msg_3', body) }, `${body} `)).toContain(
      'signature: INVALID (no matching signature)',
    );
    expect(await deliver({}, body)).toContain('signature: INVALID (missing webhook-id header)');
  });

  it('accepts a delivery signed during a rotation (old and new signatures)', async () => {
    const out = await deliver({ ...signatureHeaders([generateSecret(), secret], 'msg_4', body) }, body);
    expect(out).toMatch(/signature: valid$/);
  });

  it('verifies against every --secret: deliveries of two subscriptions both valid', async () => {
    expect(await deliver({ ...signatureHeaders([other], 'msg_5', body) }, body)).toMatch(/signature: valid$/);
    expect(await deliver({ ...signatureHeaders([secret], 'msg_6', body) }, body)).toMatch(/signature: valid$/);
  });
});

describe('npm run consume --api', () => {
  it('takes the secrets of the subscriptions whose url is on its port, across pages', async () => {
    // Hookline's subscription API as the real routes answer it (list without secrets, then one secret each).
    const subs = [
      { id: 'sub_1', url: 'http://localhost:7777/hook', secret: 'whsec_a' },
      { id: 'sub_2', url: 'http://127.0.0.1:7777', secret: 'whsec_b' },
      { id: 'sub_3', url: 'http://localhost:7778/hook', secret: 'whsec_c' },
      { id: 'sub_4', url: 'https://example.com/hook', secret: 'whsec_d' },
    ];
    const api = createServer((req, res) => {
      const u = new URL(req.url ?? '/', 'http://x');
      const one = /^\/subscription\/(sub_\d)\/secret$/.exec(u.pathname);
      res.setHeader('content-type', 'application/json');
      if (one) return res.end(JSON.stringify({ secret: subs.find((x) => x.id === one[1])?.secret }));
      const start = u.searchParams.get('cursor') ? 2 : 0;
      const data = subs.slice(start, start + 2).map(({ id, url }) => ({ id, url }));
      res.end(JSON.stringify({ data, next_cursor: start === 0 ? 'sub_2' : null }));
    });
    await new Promise<void>((r) => api.listen(0, '127.0.0.1', r));
    try {
      const base = `http://127.0.0.1:${(api.address() as AddressInfo).port}`;
      expect(await fetchSecrets(base, 7777)).toEqual(['whsec_a', 'whsec_b']);
    } finally {
      api.close();
    }
    expect(pointsAt('http://[::1]:7777/x', 7777)).toBe(true);
    expect(pointsAt('http://localhost/x', 7777)).toBe(false);
  });
});
