import { createServer, type IncomingHttpHeaders, type RequestListener } from 'node:http';
import { parseArgs } from 'node:util';
import { verify } from '@hookline/signing';

/**
 * `npm run consume -- --port 7777 [--secret whsec_... ...] [--api]`: a receiver that
 * prints every delivery and whether its Standard Webhooks signature holds under one of the secrets it
 * knows: those given with --secret (several subscriptions may point at one receiver), or with --api those
 * of every subscription whose url is on this port, fetched from Hookline (HOOKLINE_URL, HOOKLINE_API_KEY)
 * and refreshed every few seconds. It always answers 200 so a bad signature is printed, not retried forever.
 */

/** The verdict on one delivery's signature under any of `secrets` (undefined without secrets). */
export function checkSignature(
  secrets: readonly string[],
  headers: IncomingHttpHeaders,
  body: string,
): string | undefined {
  if (secrets.length === 0) return undefined;
  let reason = '';
  for (const secret of secrets) {
    try {
      verify(secret, headers, body);
      return 'signature: valid';
    } catch (err) {
      reason = (err as Error).message;
    }
  }
  return `signature: INVALID (${reason})`;
}

/** Whether a subscription's url points at this receiver (any path on localhost:<port>). */
export function pointsAt(url: string, port: number): boolean {
  try {
    const u = new URL(url);
    const host = u.hostname.replace(/^\[|\]$/g, '');
    return (
      Number(u.port || (u.protocol === 'https:' ? 443 : 80)) === port &&
      ['localhost', '127.0.0.1', '::1'].includes(host)
    );
  } catch {
    return false;
  }
}

/** The secrets of every subscription pointing at `port`, from Hookline's subscription API. */
export async function fetchSecrets(baseUrl: string, port: number, apiKey?: string): Promise<string[]> {
  const headers: Record<string, string> = apiKey ? { authorization: `Bearer ${apiKey}` } : {};
  const ids: string[] = [];
  let cursor: string | null = null;
  do {
    const page = new URL('/subscription', baseUrl);
    page.searchParams.set('limit', '1000');
    if (cursor) page.searchParams.set('cursor', cursor);
    const res = await fetch(page, { headers });
    if (!res.ok) throw new Error(`GET /subscription answered ${res.status}`);
    const body = (await res.json()) as { data: { id: string; url: string }[]; next_cursor: string | null };
    for (const sub of body.data) if (pointsAt(sub.url, port)) ids.push(sub.id);
    cursor = body.next_cursor;
  } while (cursor);
  const secrets: string[] = [];
  for (const id of ids) {
    const res = await fetch(new URL(`/subscription/${id}/secret`, baseUrl), { headers });
    if (res.ok) secrets.push(((await res.json()) as { secret: string }).secret);
  }
  return secrets;
}

/** `secrets` is read at each request, so a caller may refresh it in place. */
export function consumerHandler(secrets: readonly string[], print: (text: string) => void): RequestListener {
  return (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const lines = [
        `--- ${new Date().toISOString()} ${req.method} ${req.url}`,
        `webhook-id: ${req.headers['webhook-id'] ?? '(none)'}`,
        `webhook-timestamp: ${req.headers['webhook-timestamp'] ?? '(none)'}`,
        body,
      ];
      const verdict = checkSignature(secrets, req.headers, body);
      if (verdict) lines.push(verdict);
      print(lines.join('\n'));
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"ok":true}');
    });
  };
}

const USAGE = 'usage: npm run consume -- --port 7777 [--secret whsec_... ...] [--api]';

function main(): void {
  let values: { port?: string; secret?: string[]; api?: boolean };
  try {
    ({ values } = parseArgs({
      options: { port: { type: 'string' }, secret: { type: 'string', multiple: true }, api: { type: 'boolean' } },
    }));
  } catch (err) {
    process.stderr.write(`consume: ${(err as Error).message}\n${USAGE}\n`);
    process.exit(1);
  }
  const port = Number(values.port ?? 7777);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    process.stderr.write(`consume: --port must be a TCP port number (got ${values.port})\n`);
    process.exit(1);
  }
  const secrets: string[] = [...(values.secret ?? [])];
  const given = secrets.length;
  if (values.api) {
    const base = process.env.HOOKLINE_URL ?? 'http://localhost:3000';
    const refresh = () =>
      fetchSecrets(base, port, process.env.HOOKLINE_API_KEY).then(
        (fetched) => secrets.splice(given, secrets.length - given, ...fetched),
        (err: Error) => process.stderr.write(`consume: cannot fetch secrets from ${base}: ${err.message}\n`),
      );
    void refresh().then(() =>
      process.stdout.write(`consume: ${secrets.length - given} subscription secret(s) from ${base}\n`),
    );
    setInterval(() => void refresh(), 5000).unref();
  }
  const server = createServer(consumerHandler(secrets, (t) => process.stdout.write(`${t}\n`)));
  server.once('error', (err) => {
    process.stderr.write(`consume: cannot listen on port ${port}: ${err.message}\n`);
    process.exit(1);
  });
  server.listen(port, () => {
    const verifying = given > 0 || values.api ? ' (verifying signatures)' : '';
    process.stdout.write(`consume: listening on http://localhost:${port}${verifying}\n`);
  });
}

// Run only as a script, so tests can import the handler.
if (require.main === module) main();
