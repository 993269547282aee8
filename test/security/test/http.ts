import { Agent, request } from 'node:http';

export interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  // biome-ignore lint/suspicious/noExplicitAny: JSON answers, checked by the assertions
  body: any;
  ms: number;
}

const agent = new Agent({ keepAlive: true, maxSockets: 16 });

/**
 * One raw HTTP request. Not fetch: the attacks need headers fetch will not send as given (Host,
 * Origin, Sec-Fetch-Site) and bodies of any content type.
 */
export function raw(
  method: string,
  url: string,
  headers: Record<string, string> = {},
  body?: string | Buffer,
  timeoutMs = 5000,
): Promise<Answer> {
  const u = new URL(url);
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const req = request(
      { agent, method, host: u.hostname, port: u.port, path: `${u.pathname}${u.search}`, headers },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let parsed: unknown;
          try {
            parsed = text ? JSON.parse(text) : undefined;
          } catch {
            parsed = undefined;
          }
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            text,
            body: parsed,
            ms: performance.now() - started,
          });
        });
      },
    );
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`${method} ${url}: no answer within ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end(body);
  });
}

export const json = (value: unknown) => JSON.stringify(value);
