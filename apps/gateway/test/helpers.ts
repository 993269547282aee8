import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Broker, topologyNames } from '@hookline/broker';
import { gatewayEnv } from '@hookline/config';
import type { EventEnvelope } from '@hookline/contracts';
import { assembleApp, createLogger } from '@hookline/http';
import { connectMongo, createBroker } from '@hookline/runtime';
import { deleteNamespace, RABBITMQ_URL, uniqueMongoUrl, uniqueNamespace } from '@hookline/testing';
import type { Express } from 'express';
import type { Connection } from 'mongoose';
import { type GatewaySettings, startGateway } from '../src';

export const API_KEY = 'test-management-key';
export const JWT_SECRET = 'a'.repeat(40);
export const REFRESH_JWT_SECRET = 'b'.repeat(40);
export const USER = { username: 'CLIENT_TYPE_USERNAME', password: 'CLIENT_TYPE_PASSWORD' };

export interface Harness {
  app: Express;
  config: GatewaySettings;
  broker: Broker;
  db: Connection;
  namespace: string;
  close(): Promise<void>;
}

/** The gateway on the real RabbitMQ and MongoDB, in its own namespace and database. */
export async function startHarness(label: string, env: Record<string, string> = {}): Promise<Harness> {
  const namespace = uniqueNamespace(label);
  const dataDir = mkdtempSync(join(tmpdir(), 'gateway-'));
  const config = gatewayEnv.parse({
    RABBITMQ_URL,
    HOOKLINE_NAMESPACE: namespace,
    DATA_DIR: dataDir,
    API_KEYS: API_KEY,
    JWT_SECRET,
    REFRESH_JWT_SECRET,
    GATEWAY_USERS: `${USER.username}:${USER.password}`,
    LOG_LEVEL: 'silent',
    ...env,
  });
  const logger = createLogger('gateway-test', 'silent');
  const broker = createBroker(config, `gateway-test-${namespace}`, logger);
  await broker.start();
  const db = await connectMongo(uniqueMongoUrl(label));
  const service = await startGateway({ config, broker, db, logger });
  const app = assembleApp({ modules: [service.module], logger, title: 'gateway test' });
  return {
    app,
    config,
    broker,
    db,
    namespace,
    async close() {
      await service.stop();
      await broker.close();
      await db.dropDatabase().catch(() => {});
      await db.close();
      await deleteNamespace(namespace);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** A queue of our own bound to the events exchange: what the dispatcher would see. */
export async function tapStation(
  h: Harness,
  station: string,
): Promise<() => Promise<{ routingKey: string; envelope: EventEnvelope }[]>> {
  const queue = `${h.namespace}.tap.${station}`;
  const exchange = topologyNames(h.namespace).eventsExchange;
  await h.broker.withChannel(async (ch) => {
    await ch.assertQueue(queue, { durable: false });
    await ch.bindQueue(queue, exchange, `station.${station}`);
  });
  return () =>
    h.broker.withChannel(async (ch) => {
      const out: { routingKey: string; envelope: EventEnvelope }[] = [];
      for (;;) {
        const msg = await ch.get(queue, { noAck: true });
        if (!msg) return out;
        out.push({
          routingKey: msg.fields.routingKey,
          envelope: JSON.parse(msg.content.toString('utf8')) as EventEnvelope,
        });
      }
    });
}
