import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { generateSecret, signatureHeaders } from '@hookline/signing';
import { consumerHandler } from '../src/tools/consume';

let server: Server;
let url: string;
const printed: string[] = [];
const secret = generateSecret();

beforeAll(async () => {
  server = createServer(consumerHandler(secret, (t) => printed.push(t)));
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
});
