import { createServer, type RequestListener, type Server } from 'node:http';
import type { Logger } from './logger';

/**
 * Graceful shutdown on SIGTERM and SIGINT: run the steps in order (stop taking HTTP requests, stop
 * consuming, finish in-flight work, close connections), then exit 0. A step that hangs cannot keep
 * the process alive past `timeoutMs`: it exits 1 then, so an orchestrator sees the failure.
 */
export function onShutdown(logger: Logger, steps: Array<() => Promise<unknown>>, timeoutMs = 10_000): void {
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutdown.started');
    const timer = setTimeout(() => {
      logger.error({ timeoutMs }, 'shutdown.timed_out');
      process.exit(1);
    }, timeoutMs);
    timer.unref();
    for (const step of steps) {
      try {
        await step();
      } catch (err) {
        logger.error({ err }, 'shutdown.step_failed');
      }
    }
    logger.info('shutdown.complete');
    logger.flush?.();
    process.exit(0);
  };
  process.once('SIGTERM', () => void stop('SIGTERM'));
  process.once('SIGINT', () => void stop('SIGINT'));
}

/**
 * Stops accepting connections and closes idle keep-alive ones so `close` resolves promptly: also those
 * that become idle later, when a request in flight at the signal ends (a client's keep-alive connection
 * would otherwise hold `close` for the 65 s keep-alive timeout).
 */
export function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    const sweep = setInterval(() => server.closeIdleConnections(), 50);
    server.close(() => {
      clearInterval(sweep);
      resolve();
    });
    server.closeIdleConnections();
  });
}

export function listen(app: RequestListener, port: number, host?: string): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer(app);
    server.keepAliveTimeout = 65_000;
    server.once('error', reject);
    server.listen(port, host, () => resolve(server));
  });
}
