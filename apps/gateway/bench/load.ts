import { Agent, request } from 'node:http';

/**
 * The load, run in a child process so it does not share the server's event loop: autocannon, or when
 * it is not installed a minimal keep-alive generator on autocannon's model (`connections` concurrent
 * loops, each sending the next request as soon as the previous answer arrived).
 */
export interface LoadOptions {
  url: string;
  connections: number;
  durationMs: number;
  headers: Record<string, string>;
  body: string;
}

export interface LoadResult {
  requests: number;
  non2xx: number;
  errors: number;
  durationMs: number;
  latencyMs: { p50: number; p99: number };
}

interface AutocannonResult {
  requests: { total: number };
  non2xx: number;
  errors: number;
  duration: number;
  latency: { p50: number; p99: number };
}

/** autocannon when installed, else the built-in loop; reports which one ran. */
async function run(o: LoadOptions): Promise<LoadResult & { tool: string }> {
  let autocannon: ((opts: object) => Promise<AutocannonResult>) | undefined;
  try {
    autocannon = require('autocannon');
  } catch {
    autocannon = undefined;
  }
  if (!autocannon) return { ...(await builtIn(o)), tool: 'built-in load generator (autocannon is not installed)' };
  const r = await autocannon({
    url: o.url,
    method: 'POST',
    connections: o.connections,
    duration: o.durationMs / 1000,
    headers: o.headers,
    body: o.body,
  });
  return {
    requests: r.requests.total,
    non2xx: r.non2xx,
    errors: r.errors,
    durationMs: r.duration * 1000,
    latencyMs: { p50: r.latency.p50, p99: r.latency.p99 },
    tool: 'autocannon',
  };
}

async function builtIn(o: LoadOptions): Promise<LoadResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: o.connections });
  const url = new URL(o.url);
  const latencies: number[] = [];
  let non2xx = 0;
  let errors = 0;
  const started = performance.now();
  const deadline = started + o.durationMs;
  const one = () =>
    new Promise<void>((resolve) => {
      const t0 = performance.now();
      const req = request(
        {
          agent,
          method: 'POST',
          host: url.hostname,
          port: url.port,
          path: url.pathname + url.search,
          headers: o.headers,
        },
        (res) => {
          res.resume();
          res.on('end', () => {
            latencies.push(performance.now() - t0);
            if ((res.statusCode ?? 0) >= 300) non2xx++;
            resolve();
          });
        },
      );
      req.on('error', () => {
        errors++;
        resolve();
      });
      req.end(o.body);
    });
  await Promise.all(
    Array.from({ length: o.connections }, async () => {
      while (performance.now() < deadline) await one();
    }),
  );
  const durationMs = performance.now() - started;
  agent.destroy();
  latencies.sort((a, b) => a - b);
  const at = (q: number) => Math.round((latencies[Math.floor(q * (latencies.length - 1))] ?? 0) * 100) / 100;
  return { requests: latencies.length, non2xx, errors, durationMs, latencyMs: { p50: at(0.5), p99: at(0.99) } };
}

// Run as a child process (autocannon misbehaves inside a worker thread, which it takes for its own).
if (process.send) {
  process.once('message', (o: LoadOptions) => {
    void run(o).then((r) => process.send?.(r));
  });
}
