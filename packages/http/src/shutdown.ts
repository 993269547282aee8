import type { RequestListener, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Express } from 'express';
import { createAppServer } from './app-server';
import { errorBody } from './errors';
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

export function listen(app: Express | RequestListener, port: number, host?: string): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createAppServer(app);
    server.keepAliveTimeout = 65_000;
    server.on('clientError', answerUnparsable);
    server.once('error', reject);
    server.listen(port, host, () => resolve(server));
  });
}

/** Node's parser errors that a client caused, each with the answer it deserves. */
const PARSER_ERRORS: Record<string, [number, string, string, string]> = {
  HPE_HEADER_OVERFLOW: [
    431,
    'Request Header Fields Too Large',
    'headers_too_large',
    'the request headers are too large',
  ],
  HPE_URI_TOO_LONG: [414, 'URI Too Long', 'uri_too_long', 'the request URL is too long'],
};

/**
 * A request Node cannot parse never reaches express, and Node's own answer is a bare status with no
 * body (a 100 KB bearer token got an empty 431). This one answers in the one error shape, without
 * echoing any of the request.
 */
function answerUnparsable(err: Error & { code?: string }, socket: Duplex): void {
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const [status, reason, code, message] = PARSER_ERRORS[err.code ?? ''] ?? [
    400,
    'Bad Request',
    'bad_request',
    'the request is not valid HTTP',
  ];
  const body = JSON.stringify(errorBody(code, message));
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}
