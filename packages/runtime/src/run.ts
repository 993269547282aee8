import { Broker, declareTopology, topologyFor } from '@hookline/broker';
import { loadConfig } from '@hookline/config';
import {
  assembleApp,
  closeServer,
  createLogger,
  type Logger,
  listen,
  onShutdown,
  type ServiceHandle,
} from '@hookline/http';
import { startTelemetry } from '@hookline/telemetry';
import type { Connection } from 'mongoose';
import type { z } from 'zod';
import { connectMongo, mongoReady } from './mongo';

/** Everything an app needs from its process. */
export interface ServiceDeps<C> {
  config: C;
  broker: Broker;
  db: Connection;
  logger: Logger;
}

export interface BaseEnv {
  PORT: number;
  HOST?: string;
  PUBLIC_HOSTS?: string[];
  RABBITMQ_URL: string;
  MONGO_URL?: string;
  LOG_LEVEL: string;
  HOOKLINE_NAMESPACE: string;
  RETRY_SCHEDULE?: number[];
  QUEUE_TYPE?: 'classic' | 'quorum';
}

/**
 * How long a graceful stop may take before it gives up with exit 1: 10 s, or more where an in-flight
 * delivery may legitimately take DELIVERY_TIMEOUT_MS to end (plus time to record it and close).
 */
export function shutdownBudgetMs(config: { DELIVERY_TIMEOUT_MS?: unknown }): number {
  const timeout = typeof config.DELIVERY_TIMEOUT_MS === 'number' ? config.DELIVERY_TIMEOUT_MS : 0;
  return Math.max(10_000, timeout + 5_000);
}

/** A broker whose every (re)connect declares the whole topology, so no app depends on another's start. */
export function createBroker(config: BaseEnv, name: string, logger: Logger, confirmTimeoutMs?: number): Broker {
  const topology = topologyFor({
    namespace: config.HOOKLINE_NAMESPACE,
    retryScheduleMs: config.RETRY_SCHEDULE ?? [],
    queueType: config.QUEUE_TYPE,
  });
  return new Broker({
    url: config.RABBITMQ_URL,
    name,
    logger,
    confirmTimeoutMs,
    topology,
    setup: async (ch) => {
      await declareTopology(ch, topology);
    },
  });
}

/** RabbitMQ's connections, every consumer of this process (each by its queue when down), MongoDB. */
export function readinessChecks(broker: Broker, db: Connection) {
  return { rabbitmq: () => broker.connected, consumers: () => broker.downConsumers(), mongodb: mongoReady(db) };
}

interface StandaloneOptions<S extends z.ZodType<BaseEnv & { MONGO_URL: string }>> {
  name: string;
  envSchema: S;
  start(deps: ServiceDeps<z.infer<S>>): Promise<ServiceHandle>;
}

/**
 * `main.ts` of a standalone app: parse the env (one readable line and exit 1 if wrong), connect,
 * start the app, listen, and stop gracefully on SIGTERM/SIGINT. A failure to start (MongoDB
 * unreachable, a port in use, missing production secrets) is one line on stderr and exit 1, so
 * an orchestrator restarts it and a person reads why.
 */
export function runStandalone<S extends z.ZodType<BaseEnv & { MONGO_URL: string }>>(
  options: StandaloneOptions<S>,
): Promise<void> {
  return startStandalone(options).catch((err: Error) => {
    process.stderr.write(`${options.name} failed to start: ${err.message}\n`);
    process.exit(1);
  });
}

async function startStandalone<S extends z.ZodType<BaseEnv & { MONGO_URL: string }>>(
  options: StandaloneOptions<S>,
): Promise<void> {
  const config = loadConfig(options.envSchema);
  const logger = createLogger(options.name, config.LOG_LEVEL);
  const telemetry = startTelemetry(options.name);
  const broker = createBroker(config, options.name, logger);
  void broker.start();
  const db = await connectMongo(config.MONGO_URL);
  const service = await options.start({ config, broker, db, logger });
  const app = assembleApp({
    modules: [service.module],
    logger,
    title: `Hookline ${options.name}`,
    publicHosts: config.PUBLIC_HOSTS,
  });
  const server = await listen(app, config.PORT, config.HOST);
  logger.info({ port: config.PORT, host: config.HOST }, `${options.name} listening on http://localhost:${config.PORT}`);
  onShutdown(
    logger,
    [
      async () => service.drain?.(),
      () => closeServer(server),
      () => service.stop(),
      () => broker.close(),
      () => db.close(),
      () => telemetry.shutdown(),
    ],
    shutdownBudgetMs(config as { DELIVERY_TIMEOUT_MS?: unknown }),
  );
}
