/**
 * A dispatcher in its own process, for crash tests: `kill -9` it and start another. Started as every
 * process starts it (startDispatcher), with the subscription service replaced by a fixed snapshot.
 * Env: HOOKLINE_NAMESPACE, MONGO_URL (with database), RETRY_SCHEDULE (ms, comma-separated),
 * SUBSCRIPTIONS (JSON array of SubscriptionRecord: the snapshot).
 */
import { dispatcherEnv, parseEnv } from '@hookline/config';
import type { SubscriptionRecord } from '@hookline/contracts';
import { createLogger } from '@hookline/http';
import { connectMongo, createBroker } from '@hookline/runtime';
import { waitFor } from '@hookline/testing';
import { startDispatcher } from '../../src/service';

async function main() {
  const env = process.env;
  const scheduleMs = (env.RETRY_SCHEDULE ?? '500').split(',').map(Number);
  const ns = env.HOOKLINE_NAMESPACE ?? '';
  const logger = createLogger('crash-worker', 'silent');
  const config = parseEnv(dispatcherEnv, {
    RABBITMQ_URL: env.RABBITMQ_URL ?? 'amqp://guest:guest@localhost:5672',
    MONGO_URL: env.MONGO_URL ?? '',
    HOOKLINE_NAMESPACE: ns,
    RETRY_SCHEDULE: scheduleMs.map((ms) => ms / 1000).join(','), // seconds
    DELIVERY_RETENTION_DAYS: '1',
    DELIVERY_CONCURRENCY: '100',
    MAX_IN_FLIGHT_PER_SUBSCRIPTION: '100',
    DELIVERY_TIMEOUT_MS: '5000',
    ALLOW_PRIVATE_TARGETS: 'true',
    LOG_LEVEL: 'silent',
  });
  const broker = createBroker(config, `crash-worker-${ns}`, logger);
  await broker.start();
  const db = await connectMongo(config.MONGO_URL);
  const subs = JSON.parse(env.SUBSCRIPTIONS ?? '[]') as SubscriptionRecord[];
  const { worker } = await startDispatcher(
    { config, broker, db, logger },
    { source: { load: async () => subs }, disable: async () => {} },
  );
  await waitFor(() => worker.ready, 60_000, 'the dispatcher worker started');
  process.stdout.write('ready\n');
}

void main();
