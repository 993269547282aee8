import { Router } from 'express';
import { collectDefaultMetrics, register } from 'prom-client';

/** A dependency `/readyz` checks; resolves true when reachable. */
export type ReadinessCheck = () => boolean | Promise<boolean>;

let defaultsCollected = false;

/**
 * `/healthz`: the process is up. `/readyz`: every dependency answers (503 with the failing ones
 * otherwise). `/metrics`: Prometheus text, default process metrics included. Every app of one
 * process shares prom-client's global registry, so metrics are registered once per process.
 */
export function healthRouter(checks: Record<string, ReadinessCheck>): Router {
  if (!defaultsCollected) {
    collectDefaultMetrics();
    defaultsCollected = true;
  }
  const router = Router();
  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  router.get('/readyz', async (_req, res) => {
    const results: Record<string, 'ok' | 'unavailable'> = {};
    await Promise.all(
      Object.entries(checks).map(async ([name, check]) => {
        let ok = false;
        try {
          ok = await Promise.race([
            Promise.resolve(check()),
            new Promise<boolean>((r) => setTimeout(() => r(false), 1000).unref()),
          ]);
        } catch {
          ok = false;
        }
        results[name] = ok ? 'ok' : 'unavailable';
      }),
    );
    const ready = Object.values(results).every((v) => v === 'ok');
    res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'unavailable', checks: results });
  });
  router.get('/metrics', async (_req, res) => {
    res.type(register.contentType).send(await register.metrics());
  });
  return router;
}
