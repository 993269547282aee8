import { createServer, type IncomingHttpHeaders, type RequestListener } from 'node:http';
import { parseArgs } from 'node:util';
import { verify } from '@hookline/signing';

/**
 * `npm run consume -- --port 7777 [--secret whsec_...]`: seed 004's consumer, a receiver that prints
 * every delivery and, given the subscription's secret, whether its Standard Webhooks signature holds.
 * It always answers 200 so a bad signature is printed, not retried forever.
 */

/** The verdict on one delivery's signature (undefined without a secret). */
export function checkSignature(
  secret: string | undefined,
  headers: IncomingHttpHeaders,
  body: string,
): string | undefined {
  if (!secret) return undefined;
  try {
    verify(secret, headers, body);
    return 'signature: valid';
  } catch (err) {
    return `signature: INVALID (${(err as Error).message})`;
  }
}

export function consumerHandler(secret: string | undefined, print: (text: string) => void): RequestListener {
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
      const verdict = checkSignature(secret, req.headers, body);
      if (verdict) lines.push(verdict);
      print(lines.join('\n'));
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"ok":true}');
    });
  };
}

function main(): void {
  let values: { port?: string; secret?: string };
  try {
    ({ values } = parseArgs({ options: { port: { type: 'string' }, secret: { type: 'string' } } }));
  } catch (err) {
    process.stderr.write(
      `consume: ${(err as Error).message}\nusage: npm run consume -- --port 7777 [--secret whsec_...]\n`,
    );
    process.exit(1);
  }
  const port = Number(values.port ?? 7777);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    process.stderr.write(`consume: --port must be a TCP port number (got ${values.port})\n`);
    process.exit(1);
  }
  const server = createServer(consumerHandler(values.secret, (t) => process.stdout.write(`${t}\n`)));
  server.once('error', (err) => {
    process.stderr.write(`consume: cannot listen on port ${port}: ${err.message}\n`);
    process.exit(1);
  });
  server.listen(port, () => {
    process.stdout.write(
      `consume: listening on http://localhost:${port}${values.secret ? ' (verifying signatures)' : ''}\n`,
    );
  });
}

// Run only as a script, so tests can import the handler.
if (require.main === module) main();
