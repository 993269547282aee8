/**
 * A dispatcher worker in its own process, for crash tests: `kill -9` it and start another.
 * Env: HOOKLINE_NAMESPACE, MONGO_URL (with database), RETRY_SCHEDULE (ms, comma-separated),
 * SUBSCRIPTIONS (JSON array of SubscriptionRecord: the snapshot).
 */
import type { SubscriptionRecord } from '@hookline/contracts';
import { createLogger } from '@hookline/http';
import { connectMongo, createBroker } from '@hookline/runtime';
import { mongoFifoHeads } from '../../src/controls/fifo-heads';
import { HttpDeliverer } from '../../src/delivery/http-deliverer';
import { DeliveryStore } from '../../src/store/delivery-store';
import { deliveryModels } from '../../src/store/models';
import { DispatcherWorker } from '../../src/worker';

async function main() {
  const env = process.env;
  const schedule = (env.RETRY_SCHEDULE ?? '500').split(',').map(Number);
  const ns = env.HOOKLINE_NAMESPACE ?? '';
  const logger = createLogger('crash-worker', 'silent');
  const broker = createBroker(
    {
      RABBITMQ_URL: env.RABBITMQ_URL ?? 'amqp://guest:guest@localhost:5672',
      HOOKLINE_NAMESPACE: ns,
      RETRY_SCHEDULE: schedule,
      PORT: 0,
      LOG_LEVEL: 'silent',
    },
    `crash-worker-${ns}`,
    logger,
  );
  await broker.start();
  const db = await connectMongo(env.MONGO_URL ?? '');
  const subs = JSON.parse(env.SUBSCRIPTIONS ?? '[]') as SubscriptionRecord[];
  const worker = new DispatcherWorker({
    broker,
    namespace: ns,
    store: new DeliveryStore(deliveryModels(db, 1)),
    source: { load: async () => subs },
    deliverer: new HttpDeliverer({ timeoutMs: 5000, allowPrivateTargets: true }),
    control: () => ({ disable: async () => {} }),
    scheduleMs: schedule,
    concurrency: 100,
    maxInFlightPerSubscription: 100,
    fifoHeads: mongoFifoHeads(db),
    logger,
  });
  await worker.start();
  process.stdout.write('ready\n');
}

void main();
