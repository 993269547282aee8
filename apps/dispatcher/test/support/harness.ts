import { type Broker, topologyNames } from '@hookline/broker';
import { dispatcherEnv, parseEnv } from '@hookline/config';
import {
  createEnvelope,
  type DeliveryTask,
  type EventEnvelope,
  newId,
  type SubscriptionRecord,
} from '@hookline/contracts';
import { createLogger } from '@hookline/http';
import { connectMongo, createBroker } from '@hookline/runtime';
import { generateSecret } from '@hookline/signing';
import { deleteNamespace, RABBITMQ_URL, uniqueMongoUrl, uniqueNamespace, waitFor } from '@hookline/testing';
import type { Connection } from 'mongoose';
import type { Requeuer } from '../../src/operations/requeue';
import { startDispatcher } from '../../src/service';
import { type DeliveryModels, deliveryModels } from '../../src/store/models';
import type { DispatcherWorker } from '../../src/worker';

export const logger = createLogger('dispatcher-test', process.env.TEST_LOG_LEVEL ?? 'silent');

/** A first-attempt delivery of a fresh LIKED_PHOTO event, for tests that send one directly. */
export function sampleTask(id = 'msg_1'): DeliveryTask {
  return {
    id,
    eventId: 'evt_1',
    subscriptionId: 's',
    attempt: 1,
    round: 0,
    parked: 0,
    event: createEnvelope('LIKED_PHOTO', {}),
  };
}

export function subscription(
  url: string,
  eventTypes: string[] = ['LIKED_PHOTO'],
  extra: Partial<SubscriptionRecord> = {},
): SubscriptionRecord {
  return {
    id: newId('sub'),
    url,
    eventTypes,
    enabled: true,
    secret: generateSecret(),
    version: Date.now(),
    ...extra,
  };
}

/**
 * A dispatcher worker against the real RabbitMQ (its own namespace) and the test MongoDB (its own
 * database). The subscription service is replaced by a list (the snapshot) plus real change
 * messages on RabbitMQ; disables are recorded.
 */
export class Harness {
  readonly ns = uniqueNamespace('disp');
  readonly names = topologyNames(this.ns);
  readonly snapshot: SubscriptionRecord[] = [];
  /** While true, reading the snapshot fails (the subscription service is down). */
  snapshotDown = false;
  /** Snapshot reads so far, failed ones included. */
  snapshotReads = 0;
  readonly disabled: Array<{ id: string; reason: string }> = [];
  broker!: Broker;
  db!: Connection;
  models!: DeliveryModels;
  worker!: DispatcherWorker;

  requeuer!: Requeuer;
  private stopDispatcher: () => Promise<void> = async () => {};

  constructor(
    private readonly scheduleMs: number[] = [300, 600],
    private readonly options: {
      maxInFlightPerSubscription?: number;
      disableAfterMs?: number;
      timeoutMs?: number;
      allowPrivateTargets?: boolean;
      fanoutInlineMax?: number;
      resyncMs?: number;
    } = {},
  ) {}

  async start(): Promise<void> {
    const mongoUrl = uniqueMongoUrl('disp');
    const config = parseEnv(dispatcherEnv, {
      RABBITMQ_URL,
      MONGO_URL: mongoUrl,
      HOOKLINE_NAMESPACE: this.ns,
      RETRY_SCHEDULE: this.scheduleMs.map((ms) => ms / 1000).join(','), // seconds
      DELIVERY_RETENTION_DAYS: '1',
      DELIVERY_CONCURRENCY: '50',
      MAX_IN_FLIGHT_PER_SUBSCRIPTION: String(this.options.maxInFlightPerSubscription ?? 10),
      DELIVERY_TIMEOUT_MS: String(this.options.timeoutMs ?? 2000),
      ALLOW_PRIVATE_TARGETS: String(this.options.allowPrivateTargets ?? true),
      ...(this.options.disableAfterMs ? { DISABLE_AFTER_HOURS: String(this.options.disableAfterMs / 3_600_000) } : {}),
      ...(this.options.fanoutInlineMax ? { FANOUT_INLINE_MAX: String(this.options.fanoutInlineMax) } : {}),
      ...(this.options.resyncMs ? { SUBSCRIPTION_RESYNC_MS: String(this.options.resyncMs) } : {}),
      LOG_LEVEL: 'silent',
    });
    this.broker = createBroker(config, `dispatcher-test-${this.ns}`, logger);
    await this.broker.start();
    this.db = await connectMongo(mongoUrl);
    this.models = deliveryModels(this.db, 1);
    // The dispatcher as every process starts it, with the subscription service replaced by a list
    // (the snapshot) plus real change messages on RabbitMQ; disables are recorded.
    const dispatcher = await startDispatcher(
      { config, broker: this.broker, db: this.db, logger },
      {
        source: {
          load: async () => {
            this.snapshotReads += 1;
            if (this.snapshotDown) throw new Error('subscription snapshot: HTTP 503');
            return this.snapshot.slice();
          },
        },
        disable: async (id, reason) => {
          this.disabled.push({ id, reason });
          // What the subscription service does: store the change, publish it to every dispatcher.
          const sub = this.worker.index.get(id);
          if (sub) await this.publishChange({ ...sub, enabled: false, version: sub.version + 1 });
        },
      },
    );
    this.worker = dispatcher.worker;
    this.requeuer = dispatcher.requeuer;
    this.stopDispatcher = () => dispatcher.stop();
    await waitFor(() => this.worker.ready, 30_000, 'the dispatcher worker started');
  }

  async publish(type: string, data: unknown): Promise<EventEnvelope> {
    const env = createEnvelope(type, data);
    await this.broker.publish(this.names.eventsExchange, type, Buffer.from(JSON.stringify(env)));
    return env;
  }

  /** What the subscription service does on every write. */
  async publishChange(sub: SubscriptionRecord): Promise<void> {
    const change = { op: 'upsert', subscription: sub };
    // As the subscription service does: a change no dispatcher's feed takes is no error.
    await this.broker.publish(this.names.subscriptionsExchange, '', Buffer.from(JSON.stringify(change)), {
      mandatory: false,
    });
  }

  /** What the subscription service publishes when a subscription is deleted. */
  async publishDeletion(id: string): Promise<void> {
    const change = { op: 'delete', subscription: { id } };
    // As the subscription service does: a change no dispatcher's feed takes is no error.
    await this.broker.publish(this.names.subscriptionsExchange, '', Buffer.from(JSON.stringify(change)), {
      mandatory: false,
    });
  }

  async stop(): Promise<void> {
    await this.stopDispatcher();
    await this.broker.close();
    await this.db.dropDatabase().catch(() => {});
    await this.db.close();
    await deleteNamespace(this.ns);
  }
}
