import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { httpSubscriptionSource } from '../src/matching/snapshot-source';

/** The snapshot is parsed as it streams: lines and UTF-8 characters cut across chunks must survive. */
it('reads every record of a snapshot that arrives in arbitrary pieces', async () => {
  const records = Array.from({ length: 50 }, (_, i) => ({
    id: `sub_${i}`,
    url: `https://example.com/é${i}`,
    eventTypes: ['LIKED_PHOTO'],
    enabled: true,
    secret: 'whsec_x',
    version: i,
    headers: { 'x-note': 'naïve ✓' },
  }));
  const body = Buffer.from(records.map((r) => JSON.stringify(r)).join('\n'));
  const server = createServer(async (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/x-ndjson' });
    // 7-byte pieces split lines and multi-byte characters alike; the last line has no newline.
    for (let at = 0; at < body.length; at += 7) {
      res.write(body.subarray(at, at + 7));
      if (at % 700 === 0) await new Promise((r) => setImmediate(r));
    }
    res.end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  try {
    const loaded = await httpSubscriptionSource(
      `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      undefined,
    ).load();
    expect(loaded).toEqual(records);
  } finally {
    server.close();
  }
});
