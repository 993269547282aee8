/**
 * `npm run produce -- <type> '<json>'`: publishes one event through `POST /events` the way any web app would. HOOKLINE_URL picks the server (default :3000);
 * HOOKLINE_PRODUCER_KEY, when set, is sent as the producer key.
 */
const USAGE = "usage: npm run produce -- <type> '<json data>'   (e.g. npm run produce -- order_created '{\"id\":1}')";

function fail(message: string): never {
  process.stderr.write(`produce: ${message}\n`);
  process.exit(1);
}

async function main(argv: string[]): Promise<void> {
  const [type, json = 'null', ...rest] = argv;
  if (!type || rest.length > 0 || type.startsWith('-')) fail(USAGE);
  let data: unknown;
  try {
    data = JSON.parse(json);
  } catch {
    fail(`the data is not valid JSON: ${json}\n${USAGE}`);
  }
  const base = (process.env.HOOKLINE_URL ?? 'http://localhost:3000').replace(/\/+$/, '');
  let res: Response;
  try {
    res = await fetch(`${base}/events`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(process.env.HOOKLINE_PRODUCER_KEY ? { authorization: `Bearer ${process.env.HOOKLINE_PRODUCER_KEY}` } : {}),
      },
      body: JSON.stringify({ type, data }),
      signal: AbortSignal.timeout(10_000),
    });
  } catch (err) {
    fail(`cannot reach ${base} (${(err as Error).message}); is Hookline running (npm start)?`);
  }
  const text = await res.text();
  if (!res.ok) fail(`${res.status} ${text}`);
  process.stdout.write(`${res.status} ${text}\n`);
}

void main(process.argv.slice(2));
