/** The load generator: a keep-alive HTTP client and closed/open loops that drive it. */
import http from 'node:http';
import { now, sleep } from './lib/clock';

/** Keep-alive client; one agent per scenario so its sockets are warm for that scenario only. */
export function client(maxSockets: number) {
  const agent = new http.Agent({ keepAlive: true, maxSockets });
  const request = (base: string, method: string, path: string, body?: string): Promise<number> =>
    new Promise((resolve) => {
      const url = new URL(base);
      const payload = body === undefined ? undefined : Buffer.from(body);
      const req = http.request(
        {
          agent,
          host: url.hostname,
          port: url.port,
          method,
          path,
          headers: payload ? { 'content-type': 'application/json', 'content-length': payload.length } : {},
        },
        (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
        },
      );
      req.on('error', () => resolve(0));
      req.end(payload);
    });
  return { request, close: () => agent.destroy() };
}
export type Client = ReturnType<typeof client>;

/** Closed loop: `concurrency` requests in flight until `n` were sent. */
export async function closedLoop(n: number, concurrency: number, send: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < n) await send(next++);
    }),
  );
}

/** Open loop: request i is sent at t0 + i / rate whatever the earlier ones are doing. */
export async function openLoop(n: number, ratePerSec: number, send: (i: number) => void): Promise<void> {
  const interval = 1000 / ratePerSec;
  const t0 = now() + 2;
  let i = 0;
  while (i < n) {
    const t = now();
    while (i < n && t0 + i * interval <= t) send(i++);
    if (i < n) await sleep(Math.max(0, t0 + i * interval - now()));
  }
}
