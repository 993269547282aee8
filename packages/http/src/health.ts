import { Router } from 'express';
import { collectDefaultMetrics, register } from 'prom-client';

/**
 * A dependency `/readyz` checks: true when reachable, or the list of its parts that are down (ready
 * when empty), which `/readyz` names under `down`.
 */
export type ReadinessCheck = () => boolean | readonly string[] | Promise<boolean | readonly string[]>;

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
    const down: Record<string, readonly string[]> = {};
    await Promise.all(
      Object.entries(checks).map(async ([name, check]) => {
        let answer: boolean | readonly string[] = false;
        try {
          answer = await Promise.race([
            Promise.resolve(check()),
            new Promise<boolean>((r) => setTimeout(() => r(false), 1000).unref()),
          ]);
        } catch {
          answer = false;
        }
        const ok = typeof answer === 'boolean' ? answer : answer.length === 0;
        if (typeof answer !== 'boolean' && !ok) down[name] = answer;
        results[name] = ok ? 'ok' : 'unavailable';
      }),
    );
    const ready = Object.values(results).every((v) => v === 'ok');
    res.status(ready ? 200 : 503).json({
      status: ready ? 'ready' : 'unavailable',
      checks: results,
      ...(Object.keys(down).length > 0 ? { down } : {}),
    });
  });
  router.get('/metrics', async (_req, res) => {
    res.type(register.contentType).send(await register.metrics());
  });
  return router;
}
