import { type Broker, topologyNames } from '@hookline/broker';
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
import { deleteNamespace, RABBITMQ_URL, uniqueMongoUrl, uniqueNamespace } from '@hookline/testing';
import type { Connection } from 'mongoose';
import type { SubscriptionControl } from '../../src/delivery/delivery-loop';
import { FailureClock } from '../../src/delivery/failure-clock';
import { HttpDeliverer } from '../../src/delivery/http-deliverer';
import type { SubscriptionSource } from '../../src/matching/snapshot-source';
import { Requeuer } from '../../src/operations/requeue';
import { DeliveryStore } from '../../src/store/delivery-store';
import { type DeliveryModels, deliveryModels } from '../../src/store/models';
import { DispatcherWorker } from '../../src/worker';

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
    this.broker = createBroker(
      { RABBITMQ_URL, HOOKLINE_NAMESPACE: this.ns, RETRY_SCHEDULE: this.scheduleMs, PORT: 0, LOG_LEVEL: 'silent' },
      `dispatcher-test-${this.ns}`,
      logger,
    );
    await this.broker.start();
    this.db = await connectMongo(uniqueMongoUrl('disp'));
    this.models = deliveryModels(this.db, 1);
    const source: SubscriptionSource = {
      load: async () => {
        this.snapshotReads += 1;
        if (this.snapshotDown) throw new Error('subscription snapshot: HTTP 503');
        return this.snapshot.slice();
      },
    };
    this.requeuer = new Requeuer(this.broker, this.names, this.models);
    this.worker = new DispatcherWorker({
      broker: this.broker,
      namespace: this.ns,
      store: new DeliveryStore(this.models),
      source,
      deliverer: new HttpDeliverer({
        timeoutMs: this.options.timeoutMs ?? 2000,
        allowPrivateTargets: this.options.allowPrivateTargets ?? true,
      }),
      control: (index): SubscriptionControl => ({
        disable: async (sub, reason) => {
          this.disabled.push({ id: sub.id, reason });
          // What the subscription service does: store the change, publish it to every dispatcher.
          await this.publishChange({ ...sub, enabled: false, version: sub.version + 1 });
          index.upsert({ ...sub, enabled: false, version: sub.version + 1 });
        },
      }),
      scheduleMs: this.scheduleMs,
      concurrency: 50,
      fanoutInlineMax: this.options.fanoutInlineMax,
      maxInFlightPerSubscription: this.options.maxInFlightPerSubscription ?? 10,
      failureClock: this.options.disableAfterMs ? new FailureClock(this.db, this.options.disableAfterMs) : undefined,
      requeuer: this.requeuer,
      resyncMs: this.options.resyncMs,
      logger,
    });
    await this.worker.start();
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
    await this.worker.stop();
    await this.broker.close();
    await this.db.dropDatabase().catch(() => {});
    await this.db.close();
    await deleteNamespace(this.ns);
  }
}
