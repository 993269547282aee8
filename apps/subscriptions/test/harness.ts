import { type Broker, topologyNames } from '@hookline/broker';
import type { SubscriptionsSettings } from '@hookline/config';
import { parseEnv, subscriptionsEnv } from '@hookline/config';
import { type SubscriptionChange, subscriptionChangeSchema } from '@hookline/contracts';
import { createLogger } from '@hookline/http';
import { connectMongo, createBroker } from '@hookline/runtime';
import { deleteNamespace, RABBITMQ_URL, uniqueMongoUrl, uniqueNamespace } from '@hookline/testing';
import amqp from 'amqplib';
import type { Express } from 'express';
import type { Connection } from 'mongoose';
import { createApp } from '../src/app';

export const TEST_TENANT_TOKEN_SECRET = 'test-tenant-token-secret-0123456789abcdef';

export interface Harness {
  app: Express;
  config: SubscriptionsSettings;
  broker: Broker;
  db: Connection;
  /** Every change message published so far, in order (an exclusive queue bound to the exchange). */
  changes: SubscriptionChange[];
  close(): Promise<void>;
}

/** The app against the real RabbitMQ (own namespace) and the test MongoDB (own database). */
export async function startHarness(label: string, env: Record<string, string> = {}): Promise<Harness> {
  const namespace = uniqueNamespace(label);
  const config = parseEnv(subscriptionsEnv, {
    HOOKLINE_NAMESPACE: namespace,
    RABBITMQ_URL,
    MONGO_URL: uniqueMongoUrl(label),
    LOG_LEVEL: 'silent',
    TENANT_TOKEN_SECRET: TEST_TENANT_TOKEN_SECRET,
    ...env,
  });
  const logger = createLogger(`test-${label}`, 'silent');
  const broker = createBroker(config, `test-${namespace}`, logger);
  await broker.start();
  const db = await connectMongo(config.MONGO_URL);

  const changes: SubscriptionChange[] = [];
  const conn = await amqp.connect(RABBITMQ_URL);
  const ch = await conn.createChannel();
  const exchange = topologyNames(namespace).subscriptionsExchange;
  await ch.assertExchange(exchange, 'fanout', { durable: true });
  const { queue } = await ch.assertQueue('', { exclusive: true });
  await ch.bindQueue(queue, exchange, '');
  await ch.consume(
    queue,
    (msg) => {
      if (msg) changes.push(subscriptionChangeSchema.parse(JSON.parse(msg.content.toString())));
    },
    { noAck: true },
  );

  const app = createApp({ config, broker, db, logger });
  return {
    app,
    config,
    broker,
    db,
    changes,
    async close() {
      await conn.close().catch(() => {});
      await broker.close();
      await db.dropDatabase().catch(() => {});
      await db.close();
      await deleteNamespace(namespace);
    },
  };
}
