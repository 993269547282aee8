import { type ConsumeMessage, topologyNames } from '@hookline/broker';
import { photoAppEnv } from '@hookline/config';
import { type EventEnvelope, eventEnvelopeSchema } from '@hookline/contracts';
import { createLogger } from '@hookline/http';
import { connectMongo, createBroker, type ServiceDeps } from '@hookline/runtime';
import { deleteNamespace, RABBITMQ_URL, uniqueMongoUrl, uniqueNamespace, waitFor } from '@hookline/testing';
import type { Express } from 'express';
import { createApp, type PhotoAppSettings } from '../src';

export interface Received {
  routingKey: string;
  persistent: boolean;
  messageId?: string;
  contentType?: string;
  envelope: EventEnvelope;
}

export interface Harness {
  app: Express;
  deps: ServiceDeps<PhotoAppSettings>;
  namespace: string;
  connectionName: string;
  received: Received[];
  /** Waits until `n` events arrived on the test's own queue. */
  waitForEvents(n: number, timeoutMs?: number): Promise<Received[]>;
  close(): Promise<void>;
}

/** The app on a real RabbitMQ (own namespace) and MongoDB (own database), plus a queue that records every event. */
export async function startHarness(label: string): Promise<Harness> {
  const namespace = uniqueNamespace(label);
  const connectionName = `photo-test-${namespace}`;
  const config = { ...photoAppEnv.parse({ RABBITMQ_URL }), HOOKLINE_NAMESPACE: namespace };
  const logger = createLogger('photo-app-test', 'silent');
  const broker = createBroker(config, connectionName, logger);
  await broker.start();
  const db = await connectMongo(uniqueMongoUrl(label));
  const deps = { config, broker, db, logger };

  // The test's own queue, bound like the dispatcher's fan-out queue, through the same Broker class.
  const queue = `${namespace}.test-tap`;
  const exchange = topologyNames(namespace).eventsExchange;
  await broker.withChannel(async (ch) => {
    await ch.assertQueue(queue, { durable: false, autoDelete: false });
    await ch.bindQueue(queue, exchange, '#');
  });
  const received: Received[] = [];
  const tap = broker.consume(
    queue,
    async (msg: ConsumeMessage) => {
      received.push({
        routingKey: msg.fields.routingKey,
        persistent: msg.properties.deliveryMode === 2,
        messageId: msg.properties.messageId as string | undefined,
        contentType: msg.properties.contentType as string | undefined,
        envelope: eventEnvelopeSchema.parse(JSON.parse(msg.content.toString('utf8'))),
      });
      return 'ack';
    },
    { prefetch: 100 },
  );

  return {
    app: createApp(deps),
    deps,
    namespace,
    connectionName,
    received,
    waitForEvents: (n, timeoutMs = 5000) =>
      waitFor(() => (received.length >= n ? received.slice() : undefined), timeoutMs, `${n} events`),
    async close() {
      await tap.stop();
      await broker.close();
      await db.dropDatabase().catch(() => {});
      await db.close();
      await deleteNamespace(namespace);
    },
  };
}
